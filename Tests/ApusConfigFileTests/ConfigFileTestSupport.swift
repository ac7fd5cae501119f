import ApusConfigFile
import ApusCore

/// Shared helpers for the config file tests.
enum ConfigFileTestSupport {
    static let path = "/etc/apus/apus.yaml"

    /// `file(line, column)` in the test file `path`.
    static func at(_ line: Int, _ column: Int) -> SourceLocation {
        .file(path: path, line: line, column: column)
    }

    /// Each diagnostic as `line:column: message`, the form the diagnostics tables compare.
    static func summaries(_ yaml: String) -> [String] {
        ConfigFileParser.parse(yaml, path: path).1.map { diagnostic in
            guard case let .file(_, line, column) = diagnostic.location else { return "?: \(diagnostic.message)" }
            return "\(line):\(column): \(diagnostic.message)"
        }
    }

    /// Root of the repository, found from this file's path (Tests/ApusConfigFileTests/...).
    static func repositoryRoot(filePath: String = #filePath) -> String {
        var parts = filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }
}
