/// Everything a source (YAML file, Kubernetes, command line) says the proxy should do.
///
/// Plain data: nothing here is validated. `RouteTableCompiler.compile` is the only place
/// that decides what is valid; it diagnoses and drops what is not.
public struct Configuration: Equatable, Sendable {
    public var workers: WorkerCount
    public var admin: AdminConfig?
    public var listeners: [ListenerConfig]
    public var routes: [RouteConfig]
    public var upstreams: [UpstreamConfig]
    public var limits: LimitsConfig
    public var timeouts: TimeoutsConfig
    public var http2 = HTTP2Config()
    public var accessLog: AccessLogConfig
    public var compression: CompressionConfig
    /// Busy workers nap 50 µs instead of blocking when their queue runs dry (`IdleNaps` in
    /// ApusNet says when and why); off, every idle moment blocks in `epoll_wait`.
    public var idleNaps: Bool = true
    /// Where `workers` was set, for its diagnostic; sources set it after init.
    public var workersLocation: SourceLocation = .unknown
    /// Trusted proxies and the header that names the client behind them; nil: the peer is
    /// the client.
    public var clientAddress: ClientAddressConfig?
    /// Pages of the operator's choosing for Apus's own error answers, by status.
    public var errorPages: [ErrorPageConfig] = []

    public init(
        workers: WorkerCount = .auto,
        admin: AdminConfig? = nil,
        listeners: [ListenerConfig] = [],
        routes: [RouteConfig] = [],
        upstreams: [UpstreamConfig] = [],
        limits: LimitsConfig = LimitsConfig(),
        timeouts: TimeoutsConfig = TimeoutsConfig(),
        accessLog: AccessLogConfig = AccessLogConfig(),
        compression: CompressionConfig = CompressionConfig()
    ) {
        self.workers = workers
        self.admin = admin
        self.listeners = listeners
        self.routes = routes
        self.upstreams = upstreams
        self.limits = limits
        self.timeouts = timeouts
        self.accessLog = accessLog
        self.compression = compression
    }
}

/// How many worker threads (each with its own epoll loop) to run.
public enum WorkerCount: Equatable, Sendable {
    /// One per online CPU core.
    case auto
    case count(Int)
}

/// The admin listener: /healthz, /readyz, /metrics, /routes.
public struct AdminConfig: Equatable, Sendable {
    /// `host:port`, for example `127.0.0.1:9901`.
    public var listen: String
    public var location: SourceLocation

    public init(listen: String, location: SourceLocation = .unknown) {
        self.listen = listen
        self.location = location
    }
}

/// One listening address served by every worker (each worker binds it with SO_REUSEPORT).
public struct ListenerConfig: Equatable, Sendable {
    public var name: String
    /// `host:port`; `[v6]:port` for IPv6.
    public var listen: String
    /// Present for an HTTPS listener.
    public var tls: ListenerTLSConfig?
    /// Connections start with a PROXY protocol header (v1 or v2) from a load balancer;
    /// the client it names is the connection's peer.
    public var proxyProtocol: Bool
    /// An HTTPS listener offers HTTP/2 through ALPN (`h2`); on by default.
    public var http2: Bool
    /// A plaintext listener takes HTTP/2 with prior knowledge (h2c) besides HTTP/1.1.
    public var h2c: Bool
    public var location: SourceLocation

    public init(name: String, listen: String, tls: ListenerTLSConfig? = nil, proxyProtocol: Bool = false, http2: Bool = true,
                h2c: Bool = false, location: SourceLocation = .unknown) {
        self.name = name
        self.listen = listen
        self.tls = tls
        self.proxyProtocol = proxyProtocol
        self.http2 = http2
        self.h2c = h2c
        self.location = location
    }

    /// Whether connections may speak HTTP/2: over TLS when ALPN chooses it, in plaintext
    /// with prior knowledge.
    public var servesHTTP2: Bool { tls != nil ? http2 : h2c }
}
