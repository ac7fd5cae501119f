/// One answer of the API: its status code and its (de-chunked) body.
public struct KubernetesResponse: Equatable, Sendable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body as a tree (for callers that read fields of the answer).
    public func tree() throws(ObjectDecodingError) -> ObjectTree {
        try ObjectTree.parseJSON(body)
    }
}

/// One event of a watch stream: `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`, and
/// the object (a `Status` for ERROR).
public struct WatchEvent: Equatable, Sendable {
    public var type: String
    public var object: ObjectTree

    public init(type: String, object: ObjectTree) {
        self.type = type
        self.object = object
    }

    /// `metadata.resourceVersion` of the object (bookmarks carry nothing else).
    public var resourceVersion: String? {
        object["metadata"]?["resourceVersion"]?.text
    }
}
