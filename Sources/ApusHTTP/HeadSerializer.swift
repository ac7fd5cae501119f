/// What the proxy adds to a request it forwards upstream.
public struct ForwardingContext: Sendable {
    /// The downstream peer's address, as text (`203.0.113.7`, `2001:db8::1`).
    public var clientAddress: [UInt8]
    /// `http` or `https`: the scheme the downstream used.
    public var scheme: [UInt8]
    /// The listener's port, as text.
    public var port: [UInt8]
    /// Used as X-Request-ID when the request has none (32 lowercase hex digits).
    public var generatedRequestID: (UInt64, UInt64)
    /// Keep `Upgrade` and send `Connection: upgrade` (a tunnel is being requested).
    public var forwardUpgrade: Bool

    public init(clientAddress: [UInt8], scheme: [UInt8], port: [UInt8], generatedRequestID: (UInt64, UInt64), forwardUpgrade: Bool) {
        self.clientAddress = clientAddress
        self.scheme = scheme
        self.port = port
        self.generatedRequestID = generatedRequestID
        self.forwardUpgrade = forwardUpgrade
    }
}

/// Writes heads: the request sent upstream and the response sent downstream.
public enum HeadSerializer {
    /// Appends the upstream request head to `out`: request line with the original target
    /// (or `targetOverride`) and HTTP/1.1; every header except hop-by-hop ones (DESIGN.md)
    /// and the forwarding headers, which are then set from `context` (X-Forwarded-For
    /// appends); `Host` is kept (or taken from an absolute-form target); body framing is
    /// kept as received (Content-Length or `Transfer-Encoding: chunked`).
    public static func writeUpstreamRequest(
        _ head: RequestHead, bytes: UnsafeRawBufferPointer, targetOverride: UnsafeRawBufferPointer?,
        context: ForwardingContext, into out: inout [UInt8]
    ) {
        fatalError("HeadSerializer.writeUpstreamRequest: not implemented yet")
    }

    /// How the proxy frames the body it sends downstream.
    public enum DownstreamFraming: Equatable, Sendable {
        case none
        case contentLength(Int64)
        /// Send `Transfer-Encoding: chunked` (either passing the upstream's chunks through
        /// or chunk-encoding an until-close body for an HTTP/1.1 client).
        case chunked
        /// HTTP/1.0 downstream: no length header, the connection closes after the body.
        case untilClose
    }

    /// Appends the downstream response head: status line (`HTTP/1.1`, upstream's status and
    /// reason), every header except hop-by-hop ones and the framing headers, then the
    /// framing header for `framing`, then `Connection: close` when `keepAlive` is false
    /// (or `Connection: keep-alive` for an HTTP/1.0 client that keeps the connection).
    /// For a 101 response, `Upgrade` and `Connection: upgrade` are kept.
    public static func writeDownstreamResponse(
        _ head: ResponseHead, bytes: UnsafeRawBufferPointer, framing: DownstreamFraming,
        keepAlive: Bool, downstreamVersion: HTTPVersion, into out: inout [UInt8]
    ) {
        fatalError("HeadSerializer.writeDownstreamResponse: not implemented yet")
    }
}
