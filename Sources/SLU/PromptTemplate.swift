// Prompt templates: plain-text files with {placeholders}, one for topics and one for multiple choice.
import Foundation

/// The text before the scored continuation. Topic templates hold {text} and may list {labels}; multiple-choice
/// templates hold {passage} and {question} and may list {options} (lines "A. ...", "B. ..."; without them the
/// option texts are scored as the answer, cloze style). Which task a template serves follows from its
/// placeholders, so `--prompt-template FILE` needs no second flag.
public struct PromptTemplate: Equatable, Sendable {
    public enum Task: String, Sendable { case topic, multipleChoice = "mcq" }

    /// A short name for reports and result keys: the file name without its extension.
    public let name: String
    public let text: String
    public let task: Task

    public init(name: String, text: String) throws {
        // Editors end files with a newline; the prompt itself must end where the continuation starts.
        var body = text
        while body.hasSuffix("\n") { body.removeLast() }
        let isMultipleChoice = body.contains("{passage}") && body.contains("{question}")
        let isTopic = body.contains("{text}") && !body.contains("{passage}") && !body.contains("{question}")
        guard isTopic || isMultipleChoice else { throw PromptTemplateError.placeholders(name: name) }
        task = isTopic ? .topic : .multipleChoice
        self.name = name
        self.text = body
    }

    /// Reads a template file; errors name the file.
    public init(contentsOf url: URL) throws {
        let name = url.deletingPathExtension().lastPathComponent
        guard let data = FileManager.default.contents(atPath: url.path) else { throw PromptTemplateError.unreadable(path: url.path) }
        guard let text = String(data: data, encoding: .utf8) else { throw PromptTemplateError.notText(path: url.path) }
        do { try self.init(name: name, text: text) } catch PromptTemplateError.placeholders { throw PromptTemplateError.placeholders(name: url.path) }
    }

    public static let defaultTopic = bundled("topic-prompt")
    public static let defaultMultipleChoice = bundled("mcq-prompt")

    public static func `default`(for task: Task) -> PromptTemplate { task == .topic ? defaultTopic : defaultMultipleChoice }

    private static func bundled(_ resource: String) -> PromptTemplate {
        guard let url = Bundle.module.url(forResource: resource, withExtension: "txt") else { fatalError("missing resource \(resource).txt") }
        return try! PromptTemplate(contentsOf: url)
    }

    /// The template with each placeholder replaced; values are inserted once, so a transcript that happens to
    /// contain "{question}" stays as spoken.
    public func render(_ values: [String: String]) -> String {
        var result = "", rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            if let close = rest[open...].firstIndex(of: "}"), let value = values[String(rest[rest.index(after: open)..<close])] {
                result += value
                rest = rest[rest.index(after: close)...]
            } else {
                result.append("{")
                rest = rest[rest.index(after: open)...]
            }
        }
        return result + rest
    }
}

public enum PromptTemplateError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String)
    case notText(path: String)
    case placeholders(name: String)
    case wrongTask(path: String, task: PromptTemplate.Task)

    public var description: String {
        switch self {
        case let .unreadable(path): return "\(path): cannot read the prompt template"
        case let .notText(path): return "\(path): the prompt template is not UTF-8 text"
        case let .placeholders(name):
            return "\(name): a prompt template needs {text} (topic) or {passage} and {question} (multiple choice)"
        case let .wrongTask(path, task): return "\(path): this is a \(task == .topic ? "topic" : "multiple-choice") template"
        }
    }
}
