/// A route's external auth as workers use it: templates parsed, the sign-in URL's redirect
/// parameter added, the service's upstream resolved to an index. Immutable, shared by
/// workers.
public final class CompiledExternalAuth: Sendable {
    public let url: ExternalAuthURL
    /// Index of the service's upstream; -1 when the URL names the request's own host (the
    /// route that host and the URL's path match gives the upstream, per request).
    public let upstream: Int
    /// The sub-request's method line word (`GET` unless `method` says otherwise).
    public let method: String
    /// Whether `method` was given: ingress-nginx then also sends `X-Original-URI` and `X-Scheme`.
    public let methodGiven: Bool
    /// The Location of the 302 a 401 becomes; nil passes the 401 on.
    public let signin: RequestTemplate?
    /// Fields copied from a 2xx answer to the upstream request, as written and lowercase.
    public let responseHeaders: [String]
    public let responseHeaderKeys: [String]
    public let requestRedirect: RequestTemplate?
    public let cacheKey: RequestTemplate?
    public let cacheRules: [AuthCacheRule]
    public let alwaysSetCookie: Bool
    /// `proxy_set_headers`: each field's name and value template.
    public let setFields: [(name: String, value: RequestTemplate)]
    /// Lowercase names of the client's fields the sub-request leaves out beyond the
    /// framing ones: those `setFields` replace, and with a method X-Original-URI and X-Scheme.
    public let replacedFields: Set<[UInt8]>
    /// Separates this route's remembered answers from another's with the same key (the
    /// route and the URL, as ingress-nginx prefixes its cache key with server and location).
    public let cacheScope: [UInt8]
    /// As configured, for `/routes`.
    public let config: ExternalAuthConfig

    /// `config` passed `RouteTableCompiler.checkSettings`, so every part parses.
    init(config: ExternalAuthConfig, url: ExternalAuthURL, upstream: Int, scope: String) {
        self.config = config
        self.url = url
        self.upstream = upstream
        method = config.method?.uppercased() ?? "GET"
        methodGiven = config.method != nil
        signin = config.signin.flatMap { try? RequestTemplate.parse(Self.signinURL($0, parameter: config.signinRedirectParam ?? "rd")).get() }
        responseHeaders = config.responseHeaders
        responseHeaderKeys = config.responseHeaders.map { $0.lowercased() }
        requestRedirect = config.requestRedirect.flatMap { try? RequestTemplate.parse($0).get() }
        cacheKey = config.cacheKey.flatMap { try? RequestTemplate.parse($0).get() }
        cacheRules = (try? AuthCacheRule.parse(config.cacheDuration ?? "200 202 401 5m").get()) ?? []
        alwaysSetCookie = config.alwaysSetCookie
        setFields = config.proxySetHeaders.compactMap { field in
            (try? RequestTemplate.parse(field.value).get()).map { (field.name, $0) }
        }
        var replaced = Set(config.proxySetHeaders.map { Array($0.name.lowercased().utf8) })
        if config.method != nil { replaced.formUnion([Array("x-original-uri".utf8), Array("x-scheme".utf8)]) }
        replacedFields = replaced
        cacheScope = Array((scope + " " + config.url).utf8)
    }

    /// The sign-in URL with the original URL in `parameter`, unless the URL already sets it
    /// (ingress-nginx's `buildAuthSignURL`).
    static func signinURL(_ url: String, parameter: String) -> String {
        let original = "\(parameter)=$pass_access_scheme://$http_host$escaped_request_uri"
        guard let question = url.firstIndex(of: "?") else { return url + "?" + original }
        let query = url[url.index(after: question)...]
        if query.isEmpty { return url + original }
        let names = query.split(separator: "&").map { $0.prefix { $0 != "=" } }
        return names.contains(Substring(parameter)) ? url : url + "&" + original
    }

    /// How long an answer with `status` is remembered (seconds), or nil.
    public func cacheSeconds(for status: Int) -> Int? {
        guard cacheKey != nil else { return nil }
        return cacheRules.first { $0.statuses.contains(status) }?.seconds
    }
}
