/// Request limits; exceeding one answers 431, 414 or 413 and closes the connection.
public struct LimitsConfig: Equatable, Sendable {
    /// Request line plus headers (431 when exceeded).
    public var maxHeadBytes: Int
    public var maxHeaderCount: Int
    /// Request target length (414 when exceeded).
    public var maxURIBytes: Int
    /// Request body (413 when exceeded); 0 means unlimited.
    public var maxBodyBytes: Int64
    /// The answer to a request over a route's rate limit, and to one over its limit of
    /// requests in progress (ingress-nginx's `limit-req-status-code` and
    /// `limit-conn-status-code`, 503 by default there too).
    public var rateLimitStatus: Int = 503
    public var connectionLimitStatus: Int = 503

    /// The largest head and URI limits a configuration may set. Each worker sizes its I/O
    /// buffers from the head limit and the parsers keep offsets as 32-bit numbers; a MiB is
    /// far above any head a client sends (nginx and HAProxy default to 8–16 KiB).
    public static let largestHeadBytes = 1 << 20
    public static let largestHeaderCount = 10_000

    public init(maxHeadBytes: Int = 16_384, maxHeaderCount: Int = 100, maxURIBytes: Int = 8_192, maxBodyBytes: Int64 = 0) {
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxURIBytes = maxURIBytes
        self.maxBodyBytes = maxBodyBytes
    }
}

/// Timeouts, in milliseconds. nginx's defaults where nginx has one.
public struct TimeoutsConfig: Equatable, Sendable {
    /// From accept (or the end of the previous response) to a complete request head.
    public var headerRead: Int
    /// An idle keep-alive downstream connection is closed after this.
    public var keepAliveIdle: Int
    public var upstreamConnect: Int
    /// Between two successive reads from the upstream.
    public var upstreamRead: Int
    /// Between two successive writes to the upstream.
    public var upstreamSend: Int
    /// How long SIGTERM waits for in-flight requests before forcing exit.
    public var drain: Int
    /// From accept to a finished TLS handshake on an HTTPS listener.
    public var tlsHandshake: Int
    /// An upgraded connection (WebSocket and other `101` tunnels) is closed after this long
    /// without a byte moving in either direction. An hour, not nginx's 60 s
    /// `proxy_read_timeout`: a quiet WebSocket (a dashboard waiting for events, a
    /// `kubectl exec` shell) is normal, and 60 s is the classic cause of dropped sockets
    /// behind nginx; an hour still reclaims tunnels whose peers vanished without a FIN.
    public var tunnelIdle: Int

    public init(
        headerRead: Int = 60_000, keepAliveIdle: Int = 75_000, upstreamConnect: Int = 5_000,
        upstreamRead: Int = 60_000, upstreamSend: Int = 60_000, drain: Int = 30_000, tlsHandshake: Int = 10_000,
        tunnelIdle: Int = 3_600_000
    ) {
        self.tlsHandshake = tlsHandshake
        self.tunnelIdle = tunnelIdle
        self.headerRead = headerRead
        self.keepAliveIdle = keepAliveIdle
        self.upstreamConnect = upstreamConnect
        self.upstreamRead = upstreamRead
        self.upstreamSend = upstreamSend
        self.drain = drain
    }
}

/// Access log: one line per request, buffered per worker.
public struct AccessLogConfig: Equatable, Sendable {
    public enum Format: String, Equatable, Sendable {
        case combined
        case json
        case off
    }

    public var format: Format
    /// File to append to; nil or "-" means standard output.
    public var path: String?

    public init(format: Format = .combined, path: String? = nil) {
        self.format = format
        self.path = path
    }
}
