/// `v1` Secret of type `Opaque`: what basic auth (`auth-secret`) reads. Its data is kept
/// base64-decoded, as the API serves it in `data` (or `stringData` in a manifest).
public struct OpaqueSecret: Equatable, Sendable {
    public var metadata: ObjectMeta
    public var data: [String: [UInt8]]

    public init(metadata: ObjectMeta, data: [String: [UInt8]]) {
        self.metadata = metadata
        self.data = data
    }

    public static let type = "Opaque"

    public var reference: ObjectReference {
        ObjectReference(kind: "Secret", namespace: metadata.namespace, name: metadata.name)
    }
}
