// swift-tools-version: 6.1
// Hark: speech recognition and spoken-language understanding on ordinary CPUs.
// Targets follow the pipeline: Audio -> Features -> Whisper -> SLU -> Bench. HarkNumerics holds the kernels every
// model stage uses; LLM (Gemma on GGUF weights) scores the cascade's prompts in SLU; Scoring (error rates, Whisper's
// text normalizers) serves Bench; Streaming drives Whisper on live audio; VAD (Silero) finds the speech that long
// recordings are cut into; Server puts Whisper, the cascade and the stream behind HTTP and WebSocket; the CLI is thin.
import PackageDescription

let package = Package(
    name: "Hark",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hark", targets: ["HarkCLI"]),
        .library(name: "HarkNumerics", targets: ["HarkNumerics"]),
        .library(name: "Audio", targets: ["Audio"]),
        .library(name: "Features", targets: ["Features"]),
        .library(name: "Whisper", targets: ["Whisper"]),
        .library(name: "LLM", targets: ["LLM"]),
        .library(name: "SLU", targets: ["SLU"]),
        .library(name: "Scoring", targets: ["Scoring"]),
        .library(name: "Bench", targets: ["Bench"]),
        .library(name: "Streaming", targets: ["Streaming"]),
        .library(name: "VAD", targets: ["VAD"]),
        .library(name: "Server", targets: ["Server"]),
        .executable(name: "hark-fuzz", targets: ["HarkFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The server stack: HTTP/1 and WebSocket, logging, signals, metrics.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // System libraries from Debian, each a modulemap plus one shim header.
        .systemLibrary(name: "CSndfile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(name: "CFFTW3", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CMalloc"),  // glibc's own, no package to install

        // Pipeline stages; each depends on exactly what it imports.
        // The 8-bit products in C with intrinsics (see its header for why not Swift); HarkNumerics calls them.
        .target(name: "CInt8Kernels"),
        .target(name: "HarkNumerics", dependencies: ["COpenBLAS", "CInt8Kernels"]),
        .target(name: "Audio", dependencies: ["CSndfile", "CSoxr"]),
        .target(name: "Features", dependencies: ["HarkNumerics", "CFFTW3"]),
        .target(name: "VAD", dependencies: ["HarkNumerics"]),
        .target(name: "Whisper", dependencies: ["Features", "HarkNumerics", "VAD", "CZlib"]),
        .target(name: "LLM", dependencies: ["HarkNumerics", .product(name: "HeapModule", package: "swift-collections")]),
        .target(name: "SLU", dependencies: ["Whisper", "LLM"],
                resources: [.copy("Resources/topic-prompt.txt"), .copy("Resources/mcq-prompt.txt")]),
        .target(name: "Scoring", resources: [.copy("Resources/english.json")]),
        .target(name: "Bench", dependencies: ["SLU", "Audio", "Scoring", "HarkNumerics"]),
        .target(name: "Streaming", dependencies: ["Whisper", "Audio"]),
        .target(
            name: "Server",
            dependencies: [
                "Audio", "Whisper", "SLU", "Streaming",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            resources: [.copy("Resources/languages.json")]
        ),
        .executableTarget(
            name: "HarkCLI",
            dependencies: [
                "HarkNumerics", "Audio", "Features", "VAD", "Whisper", "LLM", "SLU", "Bench", "Streaming", "Server", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Every parser's fuzzing entry point; `make fuzz` builds HarkFuzz with libFuzzer and the sanitizers.
        .target(name: "FuzzTargets", dependencies: ["Audio", "Bench", "Features", "HarkNumerics", "LLM", "Server", "VAD", "Whisper",
                                                   .product(name: "NIOCore", package: "swift-nio")]),
        .executableTarget(name: "HarkFuzz", dependencies: ["FuzzTargets"]),

        // Paths to samples, fixtures and models, and a runner for the built binary, shared by the tests.
        .target(name: "TestSupport", dependencies: ["Scoring"], path: "Tests/TestSupport"),
        .testTarget(name: "HarkNumericsTests", dependencies: ["HarkNumerics"]),
        .testTarget(name: "AudioTests", dependencies: ["Audio", "Features", "TestSupport"]),
        .testTarget(name: "FeaturesTests", dependencies: ["Features", "Audio", "HarkNumerics", "TestSupport"]),
        .testTarget(name: "WhisperTests", dependencies: ["Whisper", "Features", "Audio", "HarkNumerics", "Scoring", "VAD", "TestSupport"]),
        .testTarget(name: "VADTests", dependencies: ["VAD", "Audio", "HarkNumerics", "TestSupport"]),
        .testTarget(name: "ScoringTests", dependencies: ["Scoring", "TestSupport"]),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "SLU", "Scoring", "TestSupport"]),
        .testTarget(name: "LLMTests", dependencies: ["LLM", "Features", "HarkNumerics", "TestSupport"]),
        .testTarget(name: "SLUTests", dependencies: ["SLU", "LLM", "TestSupport"]),
        .testTarget(name: "HarkCLITests", dependencies: ["TestSupport"]),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzTargets", "TestSupport"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "TestSupport", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "StreamingTests", dependencies: ["Streaming", "Audio", "HarkNumerics", "Scoring", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
