import ApusHTTP

/// Reads the HTTP/1.1 response the proxy wrote for a request that came on an HTTP/2
/// stream, and says what the stream sends for it: its head (interim answers left out),
/// then its body as DATA, de-chunked, ending where the response's framing ends; a chunked
/// body's trailer fields (gRPC's status among them) end the stream as trailing HEADERS.
///
/// For a WebSocket (extended CONNECT), the upstream's 101 becomes a 200 whose body is the
/// tunnel, until `end` (RFC 8441 §5); any other 2xx becomes 502, as it would tell the client
/// its WebSocket is open.
public struct HTTP1ResponseReader {
    public enum Output {
        /// The response head; `endStream` when it has no body.
        /// `fields` begins with `:status`.
        case head(status: Int, fields: HTTP2FieldBlock, endStream: Bool)
        /// Body bytes, valid during the call; `endStream` on the last.
        case body(UnsafeRawBufferPointer, endStream: Bool)
        /// The trailer fields of a chunked body, which end the stream.
        case trailers([HTTP2Field])
    }

    private enum Phase {
        case head
        case body(BodyFraming)
        case done
    }

    private let requestMethod: HTTPMethod
    private let isTunnel: Bool
    private var phase = Phase.head
    private var headBytes: [UInt8] = []
    private var parser = ResponseHeadParser()
    private var head = ResponseHead()
    private var chunked = DechunkedBody()
    private var remainingLength: Int64 = 0
    /// The status sent to the client (0 before the head).
    public private(set) var status = 0
    /// The upstream switched protocols: the stream is a tunnel from now on.
    public private(set) var opensTunnel = false

    public init(requestMethod: HTTPMethod, isTunnel: Bool) {
        self.requestMethod = requestMethod
        self.isTunnel = isTunnel
        // One allocation instead of growing through a head's usual size.
        head.headers.reserveCapacity(24)
    }

    /// The response went out whole (its last output had `endStream`).
    public var isComplete: Bool {
        if case .done = phase { return true }
        return false
    }

    /// Whether the head was read (so that the body's bytes are what is written now).
    public var isInBody: Bool {
        if case .body = phase { return true }
        return false
    }

    /// Takes the next bytes of the response; false when they do not form an HTTP/1.1
    /// response (then nothing more may be taken).
    public mutating func take(_ bytes: UnsafeRawBufferPointer, _ emit: (Output) -> Void) -> Bool {
        switch phase {
        case .head:
            headBytes.append(contentsOf: bytes)
            return readHead(emit)
        case .body(let framing):
            return body(bytes, framing, emit)
        case .done:
            return true
        }
    }

    /// The proxy stopped writing: a body delimited by the connection's end ends here.
    public mutating func end(_ emit: (Output) -> Void) {
        guard case .body(.untilClose) = phase else { return }
        phase = .done
        emit(.body(UnsafeRawBufferPointer(start: nil, count: 0), endStream: true))
    }

    private mutating func readHead(_ emit: (Output) -> Void) -> Bool {
        while case .head = phase {
            let result = headBytes.withUnsafeBytes { parser.parse($0, requestMethod: requestMethod, into: &head) }
            switch result {
            case .needMore:
                return true
            case .failed:
                phase = .done
                return false
            case .complete:
                let length = head.headLength
                var framing = head.framing
                if isTunnel && head.status == 101 {
                    status = 200
                    framing = .untilClose
                    opensTunnel = true
                } else if isTunnel && head.status >= 200 && head.status < 300 {
                    // Any 2xx tells an RFC 8441 client its WebSocket is open: an upstream
                    // that answered the upgrade with a page has not opened one.
                    status = 502
                    phase = .done
                    emit(.head(status: 502, fields: .status(502), endStream: true))
                    return true
                } else if head.status < 200 {
                    // Interim answers (100 Continue) are HTTP/1.1's business: a client on
                    // HTTP/2 sends its body without waiting.
                    headBytes.removeFirst(length)
                    continue
                } else {
                    status = head.status
                }
                let fields = headBytes.withUnsafeBytes { HTTP2ResponseFields.block(of: head, in: $0, status: status, isTunnel: isTunnel) }
                let rest = Array(headBytes[length...])
                headBytes = []
                if case .none = framing {
                    phase = .done
                    emit(.head(status: status, fields: fields, endStream: true))
                    return true
                }
                emit(.head(status: status, fields: fields, endStream: false))
                if case .contentLength(let total) = framing { remainingLength = total }
                phase = .body(framing)
                return rest.isEmpty || rest.withUnsafeBytes { body($0, framing, emit) }
            }
        }
        return true
    }

    private mutating func body(_ bytes: UnsafeRawBufferPointer, _ framing: BodyFraming, _ emit: (Output) -> Void) -> Bool {
        switch framing {
        case .none:
            return true
        case .untilClose:
            if !bytes.isEmpty { emit(.body(bytes, endStream: false)) }
        case .contentLength:
            let n = Int(min(Int64(bytes.count), remainingLength))
            remainingLength -= Int64(n)
            if remainingLength == 0 { phase = .done }
            if n > 0 || remainingLength == 0 { emit(.body(UnsafeRawBufferPointer(rebasing: bytes[0..<n]), endStream: remainingLength == 0)) }
        case .chunked:
            let end = { (trailers: [HTTP2Field]) in
                emit(trailers.isEmpty ? .body(UnsafeRawBufferPointer(start: nil, count: 0), endStream: true) : .trailers(trailers))
            }
            switch chunked.take(bytes, data: { emit(.body($0, endStream: false)) }, end: end) {
            case .more:
                return true
            case .ended:
                // What follows the response's end belongs to nothing and is left.
                phase = .done
            case .failed:
                phase = .done
                return false
            }
        }
        return true
    }
}
