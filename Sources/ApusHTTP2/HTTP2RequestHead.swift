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
    /// Regular fields in order, Cookie crumbs joined into the first Cookie field.
    public var fields: [HTTP2Field] = []
    /// The HEADERS frame ended the stream: the request has no body.
    public var endStream = false

    /// The body follows as chunks in the HTTP/1.1 head's stream (`http1Head`): there is one
    /// and no Content-Length gives its length.
    public var bodyIsChunked: Bool {
        !endStream && !fields.contains { $0.name == Self.contentLength }
    }

    public init(streamID: Int32) {
        self.streamID = streamID
    }

    /// Why this head cannot be served, as the status to answer; nil when it can.
    /// - The scheme is http or https and the path is origin-form (`/...`, or `*` for
    ///   OPTIONS): libnghttp2 lets another scheme carry any path, and an absolute-form one
    ///   would route by its own authority instead of `:authority`.
    /// - CONNECT is not proxied (400, as over HTTP/1.1).
    /// - `:authority` and Host name the same host when both are present. (libnghttp2
    ///   already refuses a request with neither, or with two Host fields.)
    public var refusal: Int? {
        guard scheme == Self.http || scheme == Self.https else { return 400 }
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
    public func http1Head() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(path.count + authority.count + fields.reduce(64) { $0 + $1.name.count + $1.value.count + 4 })
        out += method
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
            out += field.name
            out += [0x3A, 0x20]
            out += field.value
            out += [0x0D, 0x0A]
        }
        if bodyIsChunked { out += Array("transfer-encoding: chunked\r\n".utf8) }
        out += Array("connection: close\r\n\r\n".utf8)
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
    static let cookie = Array("cookie".utf8)
    static let contentLength = Array("content-length".utf8)
    static let te = Array("te".utf8)
}
