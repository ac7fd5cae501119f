/// One finding of the compiler or of a source parser, printable as `file:line:column: message`.
public struct Diagnostic: Equatable, Sendable, CustomStringConvertible {
    public enum Severity: String, Equatable, Sendable {
        /// The rule (or the whole file, for a source error) was dropped.
        case error
        /// Served, but probably not what was meant.
        case warning
    }

    public var severity: Severity
    public var location: SourceLocation
    /// Stable, machine-readable reason (`unknown-key`, `undefined-upstream`, ...).
    public var code: String
    public var message: String

    public init(_ severity: Severity, _ code: String, _ message: String, at location: SourceLocation) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
    }

    public static func error(_ code: String, _ message: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, code, message, at: location)
    }

    public static func warning(_ code: String, _ message: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.warning, code, message, at: location)
    }

    /// `conf/apus.yaml:12:9: error: upstream 'api' is not defined`
    public var description: String {
        "\(location): \(severity.rawValue): \(message)"
    }
}
