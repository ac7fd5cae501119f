/// Settings a route (host) gives every one of its path rules, and that a path rule may
/// override: header rules, the redirect to HTTPS and the access list. HSTS is a host-wide
/// promise to the browser, so only a route sets it.
///
/// Inheritance (decided in `RouteTableCompiler`): a path's header rules win per header
/// name (a path rule naming `X-Foo` in any of set/add/remove replaces everything the
/// route says about `X-Foo`); the HTTPS redirect settings win per key.
public struct RouteSettings: Equatable, Sendable {
    public var requestHeaders: HeaderRulesConfig?
    public var responseHeaders: HeaderRulesConfig?
    public var httpsRedirect: HTTPSRedirectConfig?
    /// Route level only; ignored on a path rule.
    public var hsts: HSTSConfig?
    public var accessList: AccessListConfig?
    /// A path's replaces its route's whole.
    public var basicAuth: BasicAuthConfig?
    /// A path's replaces its route's whole.
    public var cors: CORSConfig?
    /// A path's replaces its route's whole.
    public var externalAuth: ExternalAuthConfig?
    /// A path's replaces its route's whole.
    public var errorBackend: ErrorBackendConfig?
    /// A path's replaces its route's whole.
    public var canary: CanaryConfig?
    /// A path's replaces its route's whole.
    public var rateLimit: RateLimitConfig?
    /// Route (host) level only; ignored on a path rule.
    public var clientCertificates: ClientCertificateConfig?
    /// `access_log: false`: these requests are not written to the access log.
    public var accessLog: Bool?

    public init(
        requestHeaders: HeaderRulesConfig? = nil, responseHeaders: HeaderRulesConfig? = nil,
        httpsRedirect: HTTPSRedirectConfig? = nil, hsts: HSTSConfig? = nil, accessList: AccessListConfig? = nil,
        basicAuth: BasicAuthConfig? = nil
    ) {
        self.basicAuth = basicAuth
        self.requestHeaders = requestHeaders
        self.responseHeaders = responseHeaders
        self.httpsRedirect = httpsRedirect
        self.hsts = hsts
        self.accessList = accessList
    }
}

/// Plain-HTTP requests get a redirect to the same URL over HTTPS; requests that arrived
/// over TLS are served. Every key is optional so a path rule can override one of them.
public struct HTTPSRedirectConfig: Equatable, Sendable {
    /// `https_redirect`.
    public var enabled: Bool?
    /// `https_redirect_status`: 301, 302, 307 or 308 (default 308, which keeps the method).
    public var status: Int?
    /// `https_port`: the port in the Location (default 443, which is left out).
    public var port: Int?
    /// ingress-nginx's `preserve-trailing-slash: "false"`: drop a final `/` of the target.
    public var stripsTrailingSlash: Bool?
    public var location: SourceLocation

    public init(enabled: Bool? = nil, status: Int? = nil, port: Int? = nil, stripsTrailingSlash: Bool? = nil,
                location: SourceLocation = .unknown) {
        self.enabled = enabled
        self.status = status
        self.port = port
        self.stripsTrailingSlash = stripsTrailingSlash
        self.location = location
    }
}

/// `Strict-Transport-Security` added to every response of the route sent over TLS (never
/// over plain HTTP, where RFC 6797 §7.2 says browsers ignore it).
public struct HSTSConfig: Equatable, Sendable {
    public var maxAgeSeconds: Int
    public var includeSubdomains: Bool
    public var preload: Bool
    public var location: SourceLocation

    public init(maxAgeSeconds: Int = 31_536_000, includeSubdomains: Bool = false, preload: Bool = false,
                location: SourceLocation = .unknown) {
        self.maxAgeSeconds = maxAgeSeconds
        self.includeSubdomains = includeSubdomains
        self.preload = preload
        self.location = location
    }

    /// The header value: `max-age=31536000; includeSubDomains; preload`.
    public var headerValue: String {
        var value = "max-age=\(maxAgeSeconds)"
        if includeSubdomains { value += "; includeSubDomains" }
        if preload { value += "; preload" }
        return value
    }
}
