import ApusCore

/// The outcome of translating one snapshot: the `Configuration` to compile, and what
/// happened to each of our Ingresses.
public struct IngressTranslation: Sendable {
    public var configuration: Configuration
    /// Every finding, located at `.object(kind:namespace:name:)` of the object at fault.
    public var diagnostics: [Diagnostic]
    /// One per Ingress that is ours, oldest first.
    public var reports: [IngressReport]
}

/// What one Ingress contributes: the paths it serves and why anything else was dropped.
public struct IngressReport: Equatable, Sendable {
    public var ingress: ObjectReference
    /// `demo.test /api (Prefix) -> demo/web:80`, in the order the routes were emitted.
    public var served: [String]
    /// Findings about this Ingress and its backends (also in `IngressTranslation.diagnostics`).
    public var diagnostics: [Diagnostic]
    /// False when the whole Ingress was refused (an annotation that cannot be honoured).
    public var accepted: Bool
}
