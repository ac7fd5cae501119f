/// Parses a response head from an upstream, strictly, and decides its body framing.
///
/// Incremental like `RequestHeadParser`.
public struct ResponseHeadParser: Sendable {
    public var maxHeadBytes: Int
    public var maxHeaderCount: Int

    public init(maxHeadBytes: Int = 65_536, maxHeaderCount: Int = 200) {
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
    }

    public mutating func reset() {}

    /// - Parameter requestMethod: the method of the request this answers (HEAD has no body).
    public mutating func parse(
        _ buffer: UnsafeRawBufferPointer, requestMethod: HTTPMethod, into head: inout ResponseHead
    ) -> HeadParseResult {
        fatalError("ResponseHeadParser.parse: not implemented yet")
    }
}
