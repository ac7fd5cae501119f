/// `v1` ConfigMap: what `custom-headers` reads (its `data`, header names to values).
public struct ConfigMap: Equatable, Sendable {
    public var metadata: ObjectMeta
    public var data: [String: String]

    public init(metadata: ObjectMeta, data: [String: String]) {
        self.metadata = metadata
        self.data = data
    }

    public var reference: ObjectReference {
        ObjectReference(kind: "ConfigMap", namespace: metadata.namespace, name: metadata.name)
    }
}
