/// Incremental, strict decoder of a chunked body (RFC 9112 §7.1), trailers included.
///
/// Feed it the bytes that follow the head, in pieces of any size. Each call consumes a
/// prefix of the input and reports one step. A proxy that forwards chunked framing as is
/// forwards exactly the consumed bytes; one that de-chunks forwards only `.data` ranges.
public struct ChunkedDecoder: Sendable {
    public init() {}

    public enum Step: Equatable, Sendable {
        /// `consumed` bytes were framing (size line, CRLF, trailer part); more input needed.
        case needMore(consumed: Int)
        /// Body data at `input[offset ..< offset + count]`; `consumed` covers it (and any
        /// framing before it).
        case data(offset: Int, count: Int, consumed: Int)
        /// The last chunk and the trailers ended; `consumed` bytes belong to the body.
        case end(consumed: Int)
        case failed(HTTPParseError)
    }

    /// Total body bytes decoded so far (payload only), for limits.
    public var payloadBytes: Int64 { 0 }

    public mutating func decode(_ input: UnsafeRawBufferPointer) -> Step {
        fatalError("ChunkedDecoder.decode: not implemented yet")
    }
}
