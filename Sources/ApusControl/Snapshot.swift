import ApusCore

/// Everything one publish hands to the workers: the compiled routing table, the TLS
/// contexts it needs, and the findings of the build that produced them (shown by the
/// admin `/routes` page). Immutable; workers switch to a new one as a whole.
public struct Snapshot: Sendable {
    public let table: RouteTable
    public let tls: TLSCatalog
    public let diagnostics: [Diagnostic]

    public init(table: RouteTable, tls: TLSCatalog = .empty, diagnostics: [Diagnostic] = []) {
        self.table = table
        self.tls = tls
        self.diagnostics = diagnostics
    }

    /// Whether any step of the build found an error: such a snapshot is never served by
    /// `serve` (the previous one keeps serving) and fails `validate`.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
