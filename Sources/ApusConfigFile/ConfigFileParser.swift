import ApusCore
import Yams

// ApusConfigFile: the YAML file source of a `Configuration`.
// Imports ApusCore (the model and `Diagnostic`) and Yams; never sockets or workers.
// In: a file path or YAML text. Out: a `Configuration` plus `file:line:column` diagnostics.

/// Reads an Apus YAML config into a `Configuration`, with `file:line:column` diagnostics.
///
/// Only structure and types are checked here (unknown keys, wrong types, bad enum values);
/// meaning (undefined upstreams, invalid regexes, duplicate routes) is the compiler's job.
/// All problems in a file are reported, not just the first; any error makes the whole file
/// unusable (nil configuration), so the previous route table keeps serving.
public enum ConfigFileParser {
    /// Parses YAML text. Returns nil configuration when the file cannot be used at all;
    /// diagnostics say why, each with `path:line:column`.
    public static func parse(_ text: String, path: String) -> (Configuration?, [Diagnostic]) {
        let (configuration, diagnostics) = readBestEffort(text, path: path)
        return (diagnostics.contains { $0.severity == .error } ? nil : configuration, diagnostics)
    }

    /// Like `parse`, but also returns what could be read from a file with errors (broken
    /// elements left out), so that `apus validate` can report the compiler's findings in the
    /// same run. Nil only when nothing could be read (YAML syntax, empty file).
    public static func parseBestEffort(_ text: String, path: String) -> (Configuration?, [Diagnostic]) {
        readBestEffort(text, path: path)
    }

    private static func readBestEffort(_ text: String, path: String) -> (Configuration?, [Diagnostic]) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            return (nil, [YAMLErrorDiagnostic.diagnostic(for: error, text: text, path: path)])
        }
        // An empty file is refused rather than read as "serve nothing": an editor that
        // truncates before writing would otherwise take every route down on reload.
        guard let root, !root.isNull else {
            let location = SourceLocation.file(path: path, line: 1, column: 1)
            return (nil, [.error("empty-file", "the configuration file is empty", at: location)])
        }
        if YAMLExpansion.exceeds(root) {
            let location = SourceLocation.file(path: path, line: 1, column: 1)
            return (nil, [.error("yaml-too-large", "the file stands for more than \(YAMLExpansion.maximumNodes) YAML nodes once its aliases and merge keys are followed (an alias bomb?); write the repeated parts out or anchor less deeply", at: location)])
        }
        var reader = ConfigNodeReader(path: path)
        let configuration = reader.configuration(from: root)
        return (configuration, sortedByPosition(reader.diagnostics))
    }

    /// The schema walk visits sections in a fixed order; a reader wants them as they occur
    /// in the file. The sort is stable, so two findings at one node keep their order.
    static func sortedByPosition(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        func key(_ item: (offset: Int, element: Diagnostic)) -> (Int, Int, Int) {
            if case let .file(_, line, column) = item.element.location { return (line, column, item.offset) }
            return (Int.max, Int.max, item.offset)
        }
        return diagnostics.enumerated().sorted { key($0) < key($1) }.map(\.element)
    }

    /// Reads and parses a file.
    public static func load(path: String) -> (Configuration?, [Diagnostic]) {
        read(path: path, parse)
    }

    /// Reads and parses a file best effort (see `parseBestEffort`).
    public static func loadBestEffort(path: String) -> (Configuration?, [Diagnostic]) {
        read(path: path, parseBestEffort)
    }

    /// The file's text, or nil when it cannot be read (`load` then says why), so that a
    /// caller can look at it before choosing a parser (`apus validate` and manifests).
    public static func text(of path: String) -> String? {
        try? ConfigFileReader.contents(of: path).get()
    }

    /// Diagnostics of one file in the order a reader meets them.
    public static func inFileOrder(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        sortedByPosition(diagnostics)
    }

    private static func read(path: String, _ parse: (String, String) -> (Configuration?, [Diagnostic])) -> (Configuration?, [Diagnostic]) {
        switch ConfigFileReader.contents(of: path) {
        case let .success(text):
            return parse(text, path)
        case let .failure(failure):
            let location = SourceLocation.file(path: path, line: 1, column: 1)
            return (nil, [.error("cannot-read", "cannot read file: \(failure.reason)", at: location)])
        }
    }
}
