import ApusCore
import Yams

/// Turns a Yams error into one `path:line:column` diagnostic.
///
/// libyaml stops at its first error, so a file with broken YAML gets exactly one diagnostic;
/// the schema walk that collects every problem only runs on well-formed YAML.
enum YAMLErrorDiagnostic {
    static func diagnostic(for error: any Error, text: String, path: String) -> Diagnostic {
        func at(_ line: Int, _ column: Int) -> SourceLocation {
            .file(path: path, line: max(line, 1), column: max(column, 1))
        }
        guard let yamlError = error as? YamlError else {
            return .error("yaml-syntax", "invalid YAML: \(error)", at: at(1, 1))
        }
        switch yamlError {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let message = syntaxMessage(problem, context) + hint(problem, context)
            return .error("yaml-syntax", message, at: at(mark.line, mark.column))
        case let .reader(problem, offset, _, _):
            let (line, column) = lineAndColumn(ofCharacterOffset: offset ?? 0, in: text)
            return .error("yaml-syntax", "invalid YAML: \(problem)", at: at(line, column))
        case let .duplicatedKeysInMapping(duplicates, context):
            return duplicateKey(duplicates.first ?? "?", first: context.mark, text: text, path: path)
        default:
            return .error("yaml-syntax", "invalid YAML: \(yamlError)", at: at(1, 1))
        }
    }

    /// `could not find expected ':' (while scanning a simple key at 3:1)`
    private static func syntaxMessage(_ problem: String, _ context: YamlError.Context?) -> String {
        if problem.contains("another document") {
            return "invalid YAML: a config file holds one document, found a second one"
        }
        guard let context else { return "invalid YAML: \(problem)" }
        return "invalid YAML: \(problem) (\(context.text) at \(context.mark.line):\(context.mark.column))"
    }

    /// The two YAML traps of this schema: a leading `*` (wildcard host) reads as an alias,
    /// and a leading `[` (IPv6 address) reads as a flow sequence.
    private static func hint(_ problem: String, _ context: YamlError.Context?) -> String {
        let contextText = context?.text ?? ""
        if contextText.contains("alias") || problem.contains("undefined alias") {
            return "; a value starting with '*' must be quoted, as in \"*.example.test\""
        }
        if contextText.contains("flow node") && problem.contains("expected node content") {
            return "; if this is an IPv6 address, quote it, as in \"[::1]:9001\""
        }
        return ""
    }

    /// Yams reports only where a duplicated key first appears; the repeat is the one to point
    /// at, so look for the same key at the same column further down (block mappings), and fall
    /// back to the first occurrence (flow mappings, unusual layouts).
    private static func duplicateKey(_ key: String, first: Mark, text: String, path: String) -> Diagnostic {
        var message = "duplicate key '\(key)' in this mapping"
        var location = SourceLocation.file(path: path, line: max(first.line, 1), column: max(first.column, 1))
        // "\r\n" is one Character, so it must be named to split CRLF files into lines.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        let column = first.column - 1
        var index = first.line
        while index < lines.count {
            let scalars = Array(lines[index].unicodeScalars)
            let indent = scalars.prefix { $0 == " " }.count
            let blank = indent == scalars.count || scalars[indent] == "#"
            // A line left of the key column ends the mapping (a new sequence item included:
            // its dash sits left of the key); repeats sit exactly at the key column.
            if !blank && indent < column { break }
            if indent == column, startsWithKey(key, scalars.dropFirst(column)) {
                location = .file(path: path, line: index + 1, column: column + 1)
                message = "duplicate key '\(key)' (first at line \(first.line))"
                break
            }
            index += 1
        }
        return .error("duplicate-key", message, at: location)
    }

    private static func startsWithKey(_ key: String, _ rest: ArraySlice<Unicode.Scalar>) -> Bool {
        for quote in ["", "\"", "'"] {
            let written = Array((quote + key + quote).unicodeScalars)
            guard rest.starts(with: written) else { continue }
            if rest.dropFirst(written.count).drop(while: { $0 == " " }).first == ":" { return true }
        }
        return false
    }

    /// 1-based line and column of the `offset`-th character (the unit Yams reports).
    private static func lineAndColumn(ofCharacterOffset offset: Int, in text: String) -> (Int, Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" || character == "\r\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}
