import ApusHTTP

/// A request head received on one stream: its pseudo-header fields and the regular ones,
/// as libnghttp2 validated them (RFC 9113 §8.2 and §8.3: lowercase names, no
/// connection-specific fields, each required pseudo-header once and first).
public struct HTTP2RequestHead: Equatable, Sendable {
    public var streamID: Int32
    public var method: [UInt8] = []
    public var scheme: [UInt8] = []
    public var authority: [UInt8] = []
    public var path: [UInt8] = []
    /// `:protocol` of an extended CONNECT (RFC 8441); empty otherwise.
    public var connectProtocol: [UInt8] = []
    /// Regular fields in order, Cookie crumbs joined into the first Cookie field.
    public var fields: [HTTP2Field] = []
    /// The HEADERS frame ended the stream: the request has no body.
    public var endStream = false

    /// The body follows as chunks in the HTTP/1.1 head's stream (`http1Head`): there is one
    /// and no Content-Length gives its length. (A WebSocket's bytes follow as they are.)
    public var bodyIsChunked: Bool {
        !endStream && !isWebSocket && !fields.contains { $0.name == Self.contentLength }
    }

    /// A WebSocket opened by an extended CONNECT (RFC 8441 §4): it becomes the HTTP/1.1
    /// Upgrade request of RFC 6455, and the stream's DATA the tunnel's bytes.
    public var isWebSocket: Bool {
        method == Self.connect && ASCIICase.equal(connectProtocol, "websocket".utf8)
    }

    public init(streamID: Int32) {
        self.streamID = streamID
    }

    /// A gRPC call: its content type is `application/grpc`, alone or with a `+format` or
    /// parameters (not gRPC-Web, whose framing differs).
    public var isGRPC: Bool {
        guard let type = fields.first(where: { $0.name == Self.contentType })?.value else { return false }
        let prefix = "application/grpc".utf8
        guard type.count >= prefix.count, ASCIICase.equal(type.prefix(prefix.count), prefix) else { return false }
        guard type.count > prefix.count else { return true }
        return type[prefix.count] == UInt8(ascii: "+") || type[prefix.count] == UInt8(ascii: ";")
    }

    /// The call's `grpc-timeout` in milliseconds (at least 1); nil when it gave none or an
    /// ill-formed one.
    public var grpcTimeoutMilliseconds: UInt64? {
        fields.first(where: { $0.name == Self.grpcTimeout }).flatMap { GRPCTimeout.milliseconds($0.value) }.map { max($0, 1) }
    }

    /// Why this head cannot be served, as the status to answer; nil when it can.
    /// - The scheme is http or https and the path is origin-form (`/...`, or `*` for
    ///   OPTIONS): libnghttp2 lets another scheme carry any path, and an absolute-form one
    ///   would route by its own authority instead of `:authority`.
    /// - CONNECT is not proxied (400, as over HTTP/1.1), except a WebSocket's extended
    ///   CONNECT.
    /// - `:authority` and Host name the same host when both are present. (libnghttp2
    ///   already refuses a request with neither, or with two Host fields.)
    public var refusal: Int? {
        guard scheme == Self.http || scheme == Self.https else { return 400 }
        if method == Self.connect && !isWebSocket { return 400 }
        let isOptionsStar = method == Self.options && path == [UInt8(ascii: "*")]
        guard path.first == UInt8(ascii: "/") || isOptionsStar else { return 400 }
        guard !authority.isEmpty else { return nil }
        for field in fields where field.name == Self.host && !ASCIICase.equal(field.value, authority) { return 400 }
        return nil
    }

    /// The same request as an HTTP/1.1 head: request line, Host from `:authority` (or the
    /// Host field), the other fields, `Transfer-Encoding: chunked` when a body follows
    /// without a Content-Length (the DATA frames then go on as chunks), and
    /// `Connection: close`, as a stream carries one request and nothing after it may be
    /// read as another. The proxy parses it with its HTTP/1.1 parser, so an HTTP/2
    /// request meets every rule an HTTP/1.1 one does. Call only when `refusal` is nil.
    ///
    /// A WebSocket's head is a GET with `Upgrade: websocket`, `Connection: upgrade` and
    /// `webSocketKey` as its Sec-WebSocket-Key (HTTP/2 has none: RFC 8441 §5).
    public func http1Head(webSocketKey: (UInt64, UInt64) = (0, 0)) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(path.count + authority.count + fields.reduce(128) { $0 + $1.name.count + $1.value.count + 4 })
        out += isWebSocket ? Array("GET".utf8) : method
        out.append(0x20)
        out += path
        out += Array(" HTTP/1.1\r\n".utf8)
        if !authority.isEmpty {
            out += Array("host: ".utf8)
            out += authority
            out += [0x0D, 0x0A]
        }
        for field in fields {
            // libnghttp2 refused connection-specific fields; `te: trailers` is the one left.
            if field.name == Self.te { continue }
            if field.name == Self.host && !authority.isEmpty { continue }
            // The key is Apus's: HTTP/2 has none, and a second one could be chosen upstream.
            if isWebSocket && field.name == Self.webSocketKey { continue }
            out += field.name
            out += [0x3A, 0x20]
            out += field.value
            out += [0x0D, 0x0A]
        }
        if isWebSocket {
            out += Array("upgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-key: ".utf8)
            out += Self.base64(webSocketKey)
            out += Array("\r\n\r\n".utf8)
            return out
        }
        if bodyIsChunked { out += Array("transfer-encoding: chunked\r\n".utf8) }
        out += Array("connection: close\r\n\r\n".utf8)
        return out
    }

    /// Sixteen bytes in base64 (24 characters), as a Sec-WebSocket-Key is written.
    static func base64(_ words: (UInt64, UInt64)) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var bytes: [UInt8] = []
        for word in [words.0, words.1] { for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) } }
        bytes += [0, 0]
        var out: [UInt8] = []
        for index in stride(from: 0, to: 18, by: 3) {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int(group >> UInt32(shift) & 63)]) }
        }
        // 16 bytes are 22 characters and two of padding.
        out[22] = UInt8(ascii: "=")
        out[23] = UInt8(ascii: "=")
        return out
    }

    /// Adds a received regular field; Cookie crumbs (RFC 9113 §8.2.3) join the first
    /// Cookie field with "; ".
    mutating func append(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        if name.elementsEqual(Self.cookie), let first = fields.firstIndex(where: { $0.name == Self.cookie }) {
            fields[first].value += [0x3B, 0x20]
            fields[first].value += value
            return
        }
        fields.append(HTTP2Field(name: Array(name), value: Array(value)))
    }

    static let host = Array("host".utf8)
    static let http = Array("http".utf8)
    static let https = Array("https".utf8)
    static let options = Array("OPTIONS".utf8)
    static let connect = Array("CONNECT".utf8)
    static let cookie = Array("cookie".utf8)
    static let contentLength = Array("content-length".utf8)
    static let te = Array("te".utf8)
    static let contentType = Array("content-type".utf8)
    static let grpcTimeout = Array("grpc-timeout".utf8)
    static let webSocketKey = Array("sec-websocket-key".utf8)
}
