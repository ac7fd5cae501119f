/// The compiled, immutable routing table: everything a worker reads together.
///
/// Built only by `RouteTableCompiler.compile`; published whole and swapped atomically.
/// Thread rule: immutable after init, shared by all workers. Regex matching needs a
/// per-worker `MatchScratch`.
public final class RouteTable: Sendable {
    public let workers: WorkerCount
    public let admin: HostPort?
    public let listeners: [CompiledListener]
    /// Indexed by `CompiledAction.proxy(upstream:)`.
    public let upstreams: [CompiledUpstream]
    /// Indexed by the value `match` returns.
    public let routes: [CompiledRoute]
    public let limits: LimitsConfig
    public let timeouts: TimeoutsConfig
    public let http2: HTTP2Config
    public let accessLog: AccessLogConfig
    /// Whether busy workers nap instead of blocking when their queue runs dry (`IdleNaps`).
    public let idleNaps: Bool
    /// Trusted proxies; nil: the connection's peer is the client.
    public let clientAddress: ClientAddressPolicy?
    /// Pages of the operator's choosing for Apus's own error answers.
    public let errorPages: [ErrorPageConfig]
    let hosts: HostIndex

    init(
        workers: WorkerCount, admin: HostPort?, listeners: [CompiledListener],
        upstreams: [CompiledUpstream], routes: [CompiledRoute], hosts: HostIndex,
        limits: LimitsConfig, timeouts: TimeoutsConfig, accessLog: AccessLogConfig, idleNaps: Bool,
        clientAddress: ClientAddressPolicy? = nil, errorPages: [ErrorPageConfig] = [], http2: HTTP2Config = HTTP2Config()
    ) {
        self.errorPages = errorPages
        self.http2 = http2
        self.workers = workers
        self.admin = admin
        self.listeners = listeners
        self.upstreams = upstreams
        self.routes = routes
        self.hosts = hosts
        self.limits = limits
        self.timeouts = timeouts
        self.accessLog = accessLog
        self.idleNaps = idleNaps
        self.clientAddress = clientAddress
    }
}

/// A listener with its address parsed.
public struct CompiledListener: Equatable, Sendable {
    public var name: String
    public var address: HostPort
    /// Certificate files for an HTTPS listener; loaded by the data plane's TLS layer.
    public var tls: ListenerTLSConfig?
    /// Each connection starts with a PROXY protocol header.
    public var proxyProtocol: Bool = false
    /// Connections may speak HTTP/2 (ALPN `h2` over TLS, prior knowledge in plaintext).
    public var http2: Bool = false
}

/// An IP literal and port, parsed and checked by the compiler.
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    /// A numeric IPv4 or IPv6 address, without brackets.
    public var host: String
    public var port: UInt16
    /// The DNS name an upstream endpoint was resolved from: the default TLS server name,
    /// and part of its identity (two names on one address are two pools).
    public var resolvedFrom: String?
    public var isIPv6: Bool { host.contains(":") }

    public init(host: String, port: UInt16, resolvedFrom: String? = nil) {
        self.host = host
        self.port = port
        self.resolvedFrom = resolvedFrom
    }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// An upstream with resolved endpoints and timeouts.
public struct CompiledUpstream: Sendable {
    public var name: String
    public var endpoints: [HostPort]
    public var balance: BalancePolicy
    public var keepAlive: KeepAliveConfig
    public var connectTimeoutMilliseconds: Int
    public var readTimeoutMilliseconds: Int
    public var sendTimeoutMilliseconds: Int
    public var tls: UpstreamTLSConfig?
    public var httpProtocol: UpstreamProtocol = .http1
    public var failures: UpstreamFailurePolicy
    /// Session affinity or consistent hashing; nil for `balance` alone.
    public var keyed: CompiledKeyedBalancing?
}

/// One compiled path rule.
public struct CompiledRoute: Sendable {
    /// Stable label for logs and `/routes`: `host path` (`* /api` for any host).
    public var label: String
    /// What the route's requests are counted under in `/metrics`; `canary` is set for the
    /// requests the canary takes.
    public var metricLabels = RouteMetricLabels()
    public var host: String?
    public var path: String
    public var match: PathMatchKind
    /// How a Regex rule matches; `.fullMatch` (ignored) for Exact and Prefix.
    public var regexFlavor: RegexFlavor
    public var action: CompiledAction
    /// gzip settings of a proxy or static rule; nil when compression is off (and always
    /// for redirects and fixed responses).
    public var compression: CompressionPolicy?
    /// Where the rule was written, for logs and `/routes`.
    public var location: SourceLocation
    /// Changes to the head sent upstream (proxied requests); nil when there are none.
    public var requestEdits: CompiledHeaderEdits?
    /// Changes to the response head over plain HTTP, and over TLS (where the HSTS field
    /// joins them); nil when there are none.
    public var responseEdits: CompiledHeaderEdits?
    public var responseEditsTLS: CompiledHeaderEdits?
    /// Set when plain-HTTP requests are redirected to HTTPS.
    public var httpsRedirect: CompiledHTTPSRedirect?
    /// The rules as configured (route and path merged), for `/routes` only: values are
    /// shown there redacted or by file path, never a file's content.
    public var requestHeaderRules: HeaderRulesConfig?
    public var responseHeaderRules: HeaderRulesConfig?
    public var hstsValue: String?

    /// The path sent upstream instead of the request's; nil for almost every route.
    public var rewrite: CompiledRewrite?
    /// The rule's own request body limit (0 = unlimited); nil follows `limits.maxBodyBytes`.
    public var maxBodyBytes: Int64?
    /// Who may use the route, by client address; nil lets everyone (one test per request).
    public var accessList: CompiledAccessList?
    /// Who may use the route, by user name and password; nil for none.
    public var basicAuth: CompiledBasicAuth?
    /// Cross-origin requests allowed, and how responses say so; nil for none.
    public var cors: CompiledCORS?
    /// Another service decides who may use the route; nil for none.
    public var externalAuth: CompiledExternalAuth?
    /// Another upstream answers in place of listed errors; nil for none.
    public var errorBackend: CompiledErrorBackend?
    /// Another upstream takes part of the requests; nil for none (one test per proxied request).
    public var canary: CompiledCanary?
    /// The host's client-certificate policy; nil for none. Sets `dependsOnScheme`.
    public var clientCertificates: CompiledClientCertificates?
    /// Basic or external auth is on: one test per request for routes with neither.
    public var authenticates = false
    /// What a worker does about CORS, readable without touching `cors` (no retain).
    public var corsMode = CORSMode.none
    /// False: the route's requests are counted but not written to the access log.
    public var writesAccessLog = true

    /// `accessList`, `responseEdits`, `responseEditsTLS` and `canary` without a reference count, for
    /// workers' per-request path (`makeHandles`): the route owns them for the table's
    /// life, and a strong reference loaded from the table is retained and released around
    /// each call it is passed to.
    public private(set) var accessListHandle: Unmanaged<CompiledAccessList>?
    public private(set) var responseEditsHandle: Unmanaged<CompiledHeaderEdits>?
    public private(set) var responseEditsTLSHandle: Unmanaged<CompiledHeaderEdits>?
    public private(set) var canaryHandle: Unmanaged<CompiledCanary>?
    public var rateLimit: CompiledRateLimit?
    public private(set) var rateLimitHandle: Unmanaged<CompiledRateLimit>?

    /// Sets the handles from the owning fields; called once the route is complete.
    mutating func makeHandles() {
        accessListHandle = accessList.map { Unmanaged.passUnretained($0) }
        responseEditsHandle = responseEdits.map { Unmanaged.passUnretained($0) }
        responseEditsTLSHandle = responseEditsTLS.map { Unmanaged.passUnretained($0) }
        canaryHandle = canary.map { Unmanaged.passUnretained($0) }
        rateLimitHandle = rateLimit.map { Unmanaged.passUnretained($0) }
    }

    /// Whether anything of this route depends on the listener's scheme (response rules,
    /// HSTS, the redirect to HTTPS, client certificates): one test per request for routes
    /// without any.
    public var dependsOnScheme = false
}

/// What a matched request gets, with references resolved to indices.
public enum CompiledAction: Sendable {
    case proxy(upstream: Int)
    case staticFiles(StaticFilesConfig)
    case redirect(RedirectConfig)
    case fixedResponse(status: Int, body: [UInt8], contentType: String)
}

extension RouteTable {
    /// The operator's page for `status`, if there is one.
    public func errorPage(for status: Int) -> ErrorPageConfig? {
        errorPages.isEmpty ? nil : errorPages.first { $0.status == status }
    }

    /// The htpasswd files routes read their users from (`apus serve` reloads when one changes).
    public var basicAuthFiles: [String] {
        var files: [String] = []
        for route in routes {
            if let file = route.basicAuth?.file, !files.contains(file) { files.append(file) }
        }
        return files
    }
}

/// A route's CORS work per request. With `anyOrigin` the route's response edits already
/// carry the fields and only a preflight is answered; with `listedOrigins` they carry
/// `Vary: Origin` and a request with an Origin field is looked at.
public enum CORSMode: UInt8, Sendable {
    case none
    case anyOrigin
    case listedOrigins
}
