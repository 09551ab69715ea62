// hark-fuzz: libFuzzer's entry point over one parser (`make fuzz`), or a replay of saved inputs in a normal build.
import FuzzTargets
import Foundation

#if FUZZING
/// The parser under test, from HARK_FUZZ_TARGET (libFuzzer owns the command line).
nonisolated(unsafe) private let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["HARK_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("HARK_FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name)'")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    target.run(Data(bytes: bytes, count: count))
    return 0
}
#else
/// `hark-fuzz TARGET FILE...`: runs saved inputs (a crash, a corpus) through a parser, one line per file.
@main
enum Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            print("usage: hark-fuzz {\(FuzzTarget.allCases.map(\.rawValue).joined(separator: ","))} FILE...")
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { print("\(path): cannot read"); exit(1) }
            target.run(data)
            print("\(path): ok")
        }
    }
}
#endif
