import ApusCore

/// Names one namespaced object of a kind: what diagnostics, conflicts and reports point at.
public struct ObjectReference: Hashable, Sendable, CustomStringConvertible {
    public var kind: String
    /// Empty for cluster-scoped kinds (IngressClass).
    public var namespace: String
    public var name: String

    public init(kind: String, namespace: String, name: String) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    public var location: SourceLocation { .object(kind: kind, namespace: namespace, name: name) }

    /// `Ingress demo/web`, or `IngressClass apus` for a cluster-scoped object.
    public var description: String {
        namespace.isEmpty ? "\(kind) \(name)" : "\(kind) \(namespace)/\(name)"
    }
}

/// A namespace and a name: how objects of one kind are keyed in a snapshot.
public struct ObjectKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    public static func < (a: ObjectKey, b: ObjectKey) -> Bool {
        (a.namespace, a.name) < (b.namespace, b.name)
    }

    public var description: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }
}
