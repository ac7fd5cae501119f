import ApusHTTP

/// Reads the HTTP/1.1 request the proxy wrote for an upstream that speaks HTTP/2, and says
/// what the stream sends for it: the request's HEADERS (`HTTP2RequestFields`, with
/// `te: trailers` added, as gRPC services require and nginx's grpc_pass always sends), then
/// its body as DATA, de-chunked, and a chunked body's trailers as trailing HEADERS.
///
/// One request per stream: bytes after its end are refused. So are an Upgrade (a
/// WebSocket, which an HTTP/2 upstream opens with an extended CONNECT Apus does not send)
/// and CONNECT.
public struct HTTP1RequestReader {
    public enum Output {
        /// The request head; `endStream` when it has no body.
        case head(fields: HTTP2FieldBlock, endStream: Bool)
        /// Body bytes, valid during the call; `endStream` on the last.
        case body(UnsafeRawBufferPointer, endStream: Bool)
        /// The trailer fields of a chunked body, which end the stream.
        case trailers([HTTP2Field])
    }

    private enum Phase {
        case head
        case length
        case chunked
        case done
    }

    private let scheme: StaticString
    private var phase = Phase.head
    private var headBytes: [UInt8] = []
    // The head is Apus's own, already within the downstream's limits plus what Apus adds.
    private var parser = RequestHeadParser(limits: HTTPLimits(maxHeadBytes: 1 << 20, maxHeaderCount: 10_000, maxURIBytes: 1 << 20))
    private var head = RequestHead()
    private var chunked = DechunkedBody()
    private var remainingLength: Int64 = 0

    /// - Parameter scheme: `:scheme`, `https` for an upstream over TLS.
    public init(scheme: StaticString) {
        self.scheme = scheme
        // One allocation instead of growing through a head's usual size.
        head.headers.reserveCapacity(24)
    }

    /// The request's method, once its head was read.
    public var requestMethod: HTTPMethod { head.method }

    /// The request went whole (its last output had `endStream`).
    public var isComplete: Bool {
        if case .done = phase { return true }
        return false
    }

    /// Whether the head was read (so that the body's bytes are what is written now).
    public var isInBody: Bool {
        switch phase {
        case .length, .chunked: return true
        case .head, .done: return false
        }
    }

    /// Takes the next bytes of the request; false when they do not form one HTTP/1.1
    /// request this stream can carry (then nothing more may be taken).
    public mutating func take(_ bytes: UnsafeRawBufferPointer, _ emit: (Output) -> Void) -> Bool {
        switch phase {
        case .head:
            headBytes.append(contentsOf: bytes)
            return readHead(emit)
        case .length, .chunked:
            return body(bytes, emit)
        case .done:
            return bytes.isEmpty
        }
    }

    private mutating func readHead(_ emit: (Output) -> Void) -> Bool {
        let result = headBytes.withUnsafeBytes { parser.parse($0, into: &head) }
        switch result {
        case .needMore:
            return true
        case .failed:
            phase = .done
            return false
        case .complete:
            break
        }
        let connect = headBytes.withUnsafeBytes { ASCIICase.equal($0[Int(head.methodStart)..<Int(head.methodEnd)], "CONNECT".utf8) }
        guard !head.isUpgrade, !connect else {
            phase = .done
            return false
        }
        var fields = headBytes.withUnsafeBytes { HTTP2RequestFields.block(of: head, in: $0, scheme: scheme) }
        if !fields.contains(name: "te") { fields.append("te", "trailers") }
        let rest = Array(headBytes[head.headLength...])
        headBytes = []
        if head.isChunked {
            phase = .chunked
        } else if head.contentLength > 0 {
            phase = .length
            remainingLength = head.contentLength
        } else {
            phase = .done
            emit(.head(fields: fields, endStream: true))
            return rest.isEmpty
        }
        emit(.head(fields: fields, endStream: false))
        return rest.isEmpty || rest.withUnsafeBytes { body($0, emit) }
    }

    private mutating func body(_ bytes: UnsafeRawBufferPointer, _ emit: (Output) -> Void) -> Bool {
        if case .length = phase {
            // The body up to its length goes, however the bytes were cut; a byte past it
            // is refused.
            let n = Int(min(Int64(bytes.count), remainingLength))
            remainingLength -= Int64(n)
            if remainingLength == 0 { phase = .done }
            if n > 0 { emit(.body(UnsafeRawBufferPointer(rebasing: bytes[..<n]), endStream: remainingLength == 0)) }
            return n == bytes.count
        }
        switch chunked.take(bytes, data: { emit(.body($0, endStream: false)) }, end: { Self.end(with: $0, emit) }) {
        case .more:
            return true
        case .ended(let consumed):
            phase = .done
            // Nothing may follow the one request.
            return consumed == bytes.count
        case .failed:
            phase = .done
            return false
        }
    }

    /// The last output: the trailers, or an empty end of the body.
    static func end(with trailers: [HTTP2Field], _ emit: (Output) -> Void) {
        emit(trailers.isEmpty ? .body(UnsafeRawBufferPointer(start: nil, count: 0), endStream: true) : .trailers(trailers))
    }

}
