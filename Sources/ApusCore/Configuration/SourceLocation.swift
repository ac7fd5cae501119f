/// Where a configuration value came from, so that a diagnostic can point at it.
///
/// Files give `file:line:column`; Kubernetes objects give `kind namespace/name`.
public enum SourceLocation: Hashable, Sendable, CustomStringConvertible {
    /// A position in a configuration file; line and column count from 1.
    case file(path: String, line: Int, column: Int)
    /// A Kubernetes object (for example `Ingress default/web`).
    case object(kind: String, namespace: String, name: String)
    /// The command line (quick mode).
    case commandLine
    /// Built in code, with nothing to point at.
    case unknown

    public var description: String {
        switch self {
        case let .file(path, line, column): return "\(path):\(line):\(column)"
        case let .object(kind, namespace, name): return "\(kind) \(namespace)/\(name)"
        case .commandLine: return "command line"
        case .unknown: return "<unknown>"
        }
    }
}
