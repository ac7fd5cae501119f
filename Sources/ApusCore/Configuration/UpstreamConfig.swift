/// A named group of endpoints that proxied requests are balanced over.
public struct UpstreamConfig: Equatable, Sendable {
    public var name: String
    public var endpoints: [EndpointConfig]
    public var balance: BalancePolicy
    public var keepAlive: KeepAliveConfig
    /// Per-upstream overrides of the global timeouts; nil keeps the global value.
    public var connectTimeoutMilliseconds: Int?
    public var readTimeoutMilliseconds: Int?
    public var sendTimeoutMilliseconds: Int?
    /// Present when the endpoints speak HTTPS.
    public var tls: UpstreamTLSConfig?
    /// What the endpoints speak: HTTP/1.1, or HTTP/2 (h2c with prior knowledge, or ALPN
    /// `h2` under `tls`).
    public var httpProtocol: UpstreamProtocol = .http1
    public var failures: UpstreamFailurePolicy
    /// Cookie session affinity; wins over `hash` and `balance` (as in ingress-nginx).
    public var affinity: AffinityConfig?
    /// Consistent hashing; wins over `balance`.
    public var hash: UpstreamHashConfig?
    public var location: SourceLocation

    public init(
        name: String, endpoints: [EndpointConfig], balance: BalancePolicy = .roundRobin,
        keepAlive: KeepAliveConfig = KeepAliveConfig(),
        connectTimeoutMilliseconds: Int? = nil, readTimeoutMilliseconds: Int? = nil,
        sendTimeoutMilliseconds: Int? = nil, tls: UpstreamTLSConfig? = nil, failures: UpstreamFailurePolicy = UpstreamFailurePolicy(),
        affinity: AffinityConfig? = nil, hash: UpstreamHashConfig? = nil, location: SourceLocation = .unknown
    ) {
        self.affinity = affinity
        self.hash = hash
        self.tls = tls
        self.failures = failures
        self.name = name
        self.endpoints = endpoints
        self.balance = balance
        self.keepAlive = keepAlive
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.readTimeoutMilliseconds = readTimeoutMilliseconds
        self.sendTimeoutMilliseconds = sendTimeoutMilliseconds
        self.location = location
    }
}

/// The HTTP version an upstream's endpoints are spoken to in.
public enum UpstreamProtocol: String, Equatable, Sendable, CaseIterable {
    case http1 = "http/1.1"
    /// Streams multiplexed over pooled connections (gRPC services need it).
    case h2
}

/// One `host:port` of an upstream, as written.
public struct EndpointConfig: Equatable, Sendable {
    /// `ip:port`, `[v6]:port`, `localhost:port`, or `name:port` until the control plane
    /// resolves the name (`EndpointNameResolution`).
    public var address: String
    /// The DNS name `address` was resolved from.
    public var resolvedFrom: String?
    public var location: SourceLocation

    public init(address: String, resolvedFrom: String? = nil, location: SourceLocation = .unknown) {
        self.address = address
        self.resolvedFrom = resolvedFrom
        self.location = location
    }
}

/// How a worker picks an endpoint of an upstream.
public enum BalancePolicy: String, Equatable, Sendable, CaseIterable {
    case roundRobin = "round_robin"
    case leastConnections = "least_conn"
    /// Peak EWMA of each endpoint's latency times its requests in flight, between two
    /// endpoints drawn at random (`LatencyEWMA`).
    case ewma
}

/// The per-worker pool of idle upstream connections.
public struct KeepAliveConfig: Equatable, Sendable {
    /// Idle connections kept per endpoint and worker; 0 disables reuse.
    public var maxIdle: Int
    public var idleTimeoutMilliseconds: Int

    public init(maxIdle: Int = 64, idleTimeoutMilliseconds: Int = 60_000) {
        self.maxIdle = maxIdle
        self.idleTimeoutMilliseconds = idleTimeoutMilliseconds
    }
}
