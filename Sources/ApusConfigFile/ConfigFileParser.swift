import ApusCore

/// Reads an Apus YAML config into a `Configuration`, with `file:line:column` diagnostics.
///
/// Only structure and types are checked here (unknown keys, wrong types, bad enum values);
/// meaning (undefined upstreams, invalid regexes, duplicate routes) is the compiler's job.
public enum ConfigFileParser {
    /// Parses YAML text. Returns nil configuration when the file cannot be used at all;
    /// diagnostics say why, each with `path:line:column`.
    public static func parse(_ text: String, path: String) -> (Configuration?, [Diagnostic]) {
        fatalError("ConfigFileParser.parse: not implemented yet")
    }

    /// Reads and parses a file.
    public static func load(path: String) -> (Configuration?, [Diagnostic]) {
        fatalError("ConfigFileParser.load: not implemented yet")
    }
}
