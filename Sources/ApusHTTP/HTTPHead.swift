/// HTTP versions Apus speaks; anything else is rejected (505).
public enum HTTPVersion: UInt8, Sendable {
    case http10
    case http11
}

/// Headers the proxy acts on, recognised once by the parser (case-insensitively) so that
/// later stages compare a byte instead of a string.
public enum KnownHeader: UInt8, Sendable {
    case other
    case cookie
    case host
    case contentLength
    case transferEncoding
    case connection
    case keepAlive
    case proxyConnection
    case te
    case trailer
    case upgrade
    case expect
    case xForwardedFor
    case xForwardedProto
    case xForwardedHost
    case xForwardedPort
    case xRealIP
    case xRequestID
    case acceptEncoding
    case contentEncoding
    case contentType
    case cacheControl
    case ifNoneMatch
    case ifModifiedSince
    case range
    case ifRange
    case date
    case server
}

/// One header line, as offsets into the head's bytes (offset 0 = first byte of the head).
///
/// The value excludes surrounding optional whitespace.
public struct HeaderField: Sendable, Equatable {
    public var nameStart: Int32
    public var nameEnd: Int32
    public var valueStart: Int32
    public var valueEnd: Int32
    public var known: KnownHeader
    /// Set when the `Connection` header lists this field's name: it is hop-by-hop and
    /// must not be forwarded.
    public var listedInConnection: Bool

    public init(nameStart: Int32, nameEnd: Int32, valueStart: Int32, valueEnd: Int32, known: KnownHeader, listedInConnection: Bool = false) {
        self.nameStart = nameStart
        self.nameEnd = nameEnd
        self.valueStart = valueStart
        self.valueEnd = valueEnd
        self.known = known
        self.listedInConnection = listedInConnection
    }
}

/// Request methods the proxy distinguishes; every other valid token is `.other`.
public enum HTTPMethod: UInt8, Sendable {
    case get, head, post, put, delete, options, patch, connect, trace, other

    /// RFC 9110 section 9.2.2: sending it twice has the effect of sending it once, so a request
    /// whose connection failed before any answer may be sent again. Unknown methods are not.
    @inlinable public var isIdempotent: Bool {
        switch self {
        case .get, .head, .put, .delete, .options, .trace: true
        case .post, .patch, .connect, .other: false
        }
    }
}

/// A parsed request head. Reused across requests on one connection (`reset()` keeps the
/// capacity of `headers`), so parsing allocates nothing in the steady state.
public struct RequestHead: Sendable {
    public var method: HTTPMethod = .get
    /// Where the request line starts: after the empty lines a client may send before it
    /// (RFC 9112 §2.2), which are not forwarded.
    public var methodStart: Int32 = 0
    public var methodEnd: Int32 = 0
    /// The request target as sent (origin-form `/p?q`, absolute-form `http://h/p?q`, or `*`).
    public var targetStart: Int32 = 0
    public var targetEnd: Int32 = 0
    /// The path-and-query part of the target (origin-form part; for absolute-form the part
    /// after the authority; for `*` the `*`). For absolute-form it may be empty or start
    /// with `?` (`http://h`, `http://h?q`): read it as if a `/` preceded it.
    public var pathStart: Int32 = 0
    public var pathEnd: Int32 = 0
    /// Where the query (`?...`) starts inside the path part, or `pathEnd` when there is none.
    public var queryStart: Int32 = 0
    /// The authority of an absolute-form target, empty (start == end) otherwise.
    public var authorityStart: Int32 = 0
    public var authorityEnd: Int32 = 0
    public var version: HTTPVersion = .http11
    public var headers: [HeaderField] = []
    /// Bytes from the start of the buffer through the blank line (empty lines skipped
    /// before the request line included, so the caller consumes them too).
    public var headLength: Int = 0

    // Semantics the parser derives while it validates.
    /// Index in `headers` of the single Host header, or -1.
    public var hostIndex: Int = -1
    /// Content-Length value, or -1 when absent.
    public var contentLength: Int64 = -1
    /// Transfer-Encoding ends in `chunked` (anything else was rejected).
    public var isChunked: Bool = false
    /// Whether the connection may stay open after this exchange (version default and
    /// `Connection: close` / `keep-alive`).
    public var keepAlive: Bool = true
    /// `Connection` lists `upgrade` and an `Upgrade` header is present.
    public var isUpgrade: Bool = false
    /// `Expect: 100-continue` (case-insensitive).
    public var expectsContinue: Bool = false
    /// Index in `headers` of the first Accept-Encoding field, or -1: one integer test
    /// tells a request that cannot take gzip from one that may.
    public var acceptEncodingIndex: Int = -1
    /// Index in `headers` of the first Cookie field, or -1: the affinity cookie is read
    /// from it without a walk over the fields.
    public var cookieIndex: Int = -1

    public init() {}

    /// Forgets the previous request but keeps the capacity of `headers`.
    ///
    /// Field by field rather than `self = RequestHead()`: the whole-value assignment goes
    /// through an outlined copy of the struct on every request. Keep in step with the
    /// stored properties above.
    public mutating func reset() {
        headers.clearKeepingCapacity()
        method = .get
        methodStart = 0
        methodEnd = 0
        targetStart = 0
        targetEnd = 0
        pathStart = 0
        pathEnd = 0
        queryStart = 0
        authorityStart = 0
        authorityEnd = 0
        version = .http11
        headLength = 0
        hostIndex = -1
        contentLength = -1
        isChunked = false
        keepAlive = true
        isUpgrade = false
        expectsContinue = false
        acceptEncodingIndex = -1
        cookieIndex = -1
    }

    /// The request has a body to read (chunked, or Content-Length > 0).
    public var hasBody: Bool { isChunked || contentLength > 0 }
}

/// How the body of a response is delimited on the wire.
public enum BodyFraming: Equatable, Sendable {
    /// No body (HEAD, 1xx, 204, 304, or Content-Length: 0).
    case none
    case contentLength(Int64)
    case chunked
    /// HTTP/1.0 style: the body ends when the upstream closes.
    case untilClose
}

/// A parsed response head, reused like `RequestHead`.
public struct ResponseHead: Sendable {
    public var version: HTTPVersion = .http11
    public var status: Int = 0
    /// The reason phrase (may be empty).
    public var reasonStart: Int32 = 0
    public var reasonEnd: Int32 = 0
    public var headers: [HeaderField] = []
    public var headLength: Int = 0
    public var contentLength: Int64 = -1
    public var isChunked: Bool = false
    /// The upstream will close after this response (`Connection: close`, or HTTP/1.0
    /// without keep-alive, or body until close).
    public var connectionClose: Bool = false
    /// Decided by the parser from status, headers and whether the request was HEAD.
    public var framing: BodyFraming = .none

    public init() {}

    /// Forgets the previous response but keeps the capacity of `headers`, field by field
    /// like `RequestHead.reset()` (keep in step with the stored properties above).
    public mutating func reset() {
        headers.clearKeepingCapacity()
        version = .http11
        status = 0
        reasonStart = 0
        reasonEnd = 0
        headLength = 0
        contentLength = -1
        isChunked = false
        connectionClose = false
        framing = .none
    }
}

/// Limits applied while parsing a request head.
public struct HTTPLimits: Sendable {
    /// Request line plus headers (exceeding it: 431).
    public var maxHeadBytes: Int
    public var maxHeaderCount: Int
    /// Request target length (exceeding it: 414).
    public var maxURIBytes: Int

    public init(maxHeadBytes: Int = 16_384, maxHeaderCount: Int = 100, maxURIBytes: Int = 8_192) {
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxURIBytes = maxURIBytes
    }
}

/// Outcome of feeding bytes to a head parser.
public enum HeadParseResult: Equatable, Sendable {
    /// The head is not complete yet; call again with more bytes (the same buffer start).
    case needMore
    /// The head is complete and valid; `headLength` bytes belong to it.
    case complete
    case failed(HTTPParseError)
}

extension Array where Element == HeaderField {
    /// Empties the array but keeps its storage. A head has a handful of fields, and
    /// popping them is cheaper than `removeAll(keepingCapacity:)`, which goes through the
    /// generic `replaceSubrange`.
    @inlinable
    mutating func clearKeepingCapacity() {
        if count > 16 { removeAll(keepingCapacity: true); return }
        while popLast() != nil {}
    }
}
