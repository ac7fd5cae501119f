/// Authentication by another service (`external_auth`; ingress-nginx's `auth-url` and its
/// kin): before a request is served, a request without a body goes to `url` carrying the
/// original method, URL and header fields; a 2xx answer lets the request through, 401 and
/// 403 are passed on (401 as a redirect to `signin` when one is set), anything else and an
/// unreachable service are 500. A path's setting replaces its route's whole; `enabled:
/// false` turns an inherited one off.
public struct ExternalAuthConfig: Equatable, Sendable {
    public var enabled: Bool
    /// `http(s)://host[:port]/path?query` (see `ExternalAuthURL`).
    public var url: String
    /// The sub-request's method; nil sends GET (as nginx's `auth_request` does).
    public var method: String?
    /// Where a 401 sends the browser (302), with `signinRedirectParam` naming the original URL.
    public var signin: String?
    /// The query parameter of `signin` that carries the original URL (default `rd`).
    public var signinRedirectParam: String?
    /// Fields of the auth service's 2xx answer copied into the request sent upstream. A
    /// listed field the answer lacks is removed from that request, so a client cannot
    /// supply it.
    public var responseHeaders: [String]
    /// `X-Auth-Request-Redirect` sent to the service; nil sends `$request_uri`.
    public var requestRedirect: String?
    /// With a key, answers are remembered per worker for `cacheDuration`.
    public var cacheKey: String?
    /// nginx's `proxy_cache_valid` list: `200 202 401 5m`, several separated by commas.
    public var cacheDuration: String?
    /// The service's Set-Cookie reaches the client on every answer, not only on 2xx and 3xx.
    public var alwaysSetCookie: Bool
    /// Fields set on the request to the service (ingress-nginx's `auth-proxy-set-headers`),
    /// replacing the client's of the same name; values may use nginx variables, and one
    /// that expands to nothing is left out, as nginx's `proxy_set_header` does.
    public var proxySetHeaders: [AuthRequestField] = []
    public var location: SourceLocation

    public init(enabled: Bool = true, url: String, method: String? = nil, signin: String? = nil,
                signinRedirectParam: String? = nil, responseHeaders: [String] = [], requestRedirect: String? = nil,
                cacheKey: String? = nil, cacheDuration: String? = nil, alwaysSetCookie: Bool = false,
                proxySetHeaders: [AuthRequestField] = [], location: SourceLocation = .unknown) {
        self.enabled = enabled
        self.proxySetHeaders = proxySetHeaders
        self.url = url
        self.method = method
        self.signin = signin
        self.signinRedirectParam = signinRedirectParam
        self.responseHeaders = responseHeaders
        self.requestRedirect = requestRedirect
        self.cacheKey = cacheKey
        self.cacheDuration = cacheDuration
        self.alwaysSetCookie = alwaysSetCookie
        self.location = location
    }

    /// A path rule's `external_auth: false`.
    public static func off(at location: SourceLocation) -> ExternalAuthConfig {
        ExternalAuthConfig(enabled: false, url: "", location: location)
    }

    /// Fields the sub-request writes itself: `proxy_set_headers` may not name them.
    public static let fieldsOfTheRequest: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection", "x-original-url", "x-original-method", "x-original-uri",
        "x-scheme", "x-auth-request-redirect", "x-sent-from", "x-real-ip", "x-forwarded-for", "x-request-id",
    ]

    /// The methods ingress-nginx accepts for `auth-method`.
    public static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE"]
}

/// One field of `ExternalAuthConfig.proxySetHeaders`.
public struct AuthRequestField: Equatable, Sendable {
    public var name: String
    /// A template: `$http_x_user`, `$remote_addr`, literal text.
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Where the auth request goes. Either a service named by host and port, reached like any
/// upstream (its name resolved by the control plane; an upstream is made for it), or the
/// request's own host (`$host`, `$http_host`, `$best_http_host`; the oauth2-proxy pattern
/// `https://$host/oauth2/auth`): nginx loops that back through the load balancer; Apus
/// hands it straight to the upstream its own routes give that host and path.
public struct ExternalAuthURL: Equatable, Sendable {
    public var tls: Bool
    /// nil: the request's own host.
    public var host: String?
    public var port: Int
    /// Path and query.
    public var target: RequestTemplate

    public static func parse(_ url: String) -> Result<ExternalAuthURL, TemplateProblem> {
        let lower = url.lowercased()
        let tls: Bool
        if lower.hasPrefix("https://") { tls = true } else if lower.hasPrefix("http://") { tls = false } else {
            return .failure(TemplateProblem("'\(url)' is not an http:// or https:// URL"))
        }
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            return .failure(TemplateProblem("'\(url)' has a space, a control or a non-ASCII character"))
        }
        let afterScheme = url.dropFirst(tls ? 8 : 7)
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" }
        var target = String(afterScheme.dropFirst(authority.count))
        if target.isEmpty { target = "/" } else if target.hasPrefix("?") { target = "/" + target }
        let parsedTarget: RequestTemplate
        switch RequestTemplate.parse(target) {
        case .success(let template): parsedTarget = template
        case .failure(let problem): return .failure(problem)
        }
        if ["$host", "$http_host", "$best_http_host", "${host}", "${http_host}", "${best_http_host}"].contains(authority.lowercased()) {
            return .success(ExternalAuthURL(tls: tls, host: nil, port: tls ? 443 : 80, target: parsedTarget))
        }
        guard !authority.contains("$") else {
            return .failure(TemplateProblem("'\(url)': the host may be a name, an address or $host, not another variable"))
        }
        guard !authority.contains("@") else { return .failure(TemplateProblem("'\(url)': credentials in the URL are not supported")) }
        guard let (host, port) = Self.hostAndPort(authority, defaultPort: tls ? 443 : 80) else {
            return .failure(TemplateProblem("'\(url)': '\(authority)' is not a host with an optional port"))
        }
        return .success(ExternalAuthURL(tls: tls, host: host, port: port, target: parsedTarget))
    }

    /// `name`, `name:port`, `1.2.3.4:port`, `[v6]:port`; the host without brackets.
    private static func hostAndPort(_ authority: Substring, defaultPort: Int) -> (String, Int)? {
        var host = authority
        var portText: Substring = ""
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":"), host.contains(":") else { return nil }
            portText = rest.dropFirst()
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty, host.utf8.allSatisfy(HostNameBytes.allows) else { return nil }
        if portText.isEmpty { return authority.hasSuffix(":") ? nil : (String(host), defaultPort) }
        guard portText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let port = Int(portText), (1...65535).contains(port) else { return nil }
        return (String(host), port)
    }

    /// `host:port` as an endpoint address (IPv6 in brackets).
    public var endpointAddress: String? {
        guard let host else { return nil }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The upstream the service is reached through; nil for the request's own host.
    public var upstreamName: String? {
        endpointAddress.map { "external-auth \(tls ? "https" : "http")://\($0)" }
    }

    /// The upstream to add to the configuration for this service.
    public func upstream(at location: SourceLocation) -> UpstreamConfig? {
        guard let name = upstreamName, let address = endpointAddress else { return nil }
        return UpstreamConfig(
            name: name, endpoints: [EndpointConfig(address: address, location: location)],
            tls: tls ? UpstreamTLSConfig(location: location) : nil, failures: UpstreamFailurePolicy(maxTries: 1), location: location)
    }
}

extension Configuration {
    /// Adds an upstream for every external-auth service the routes name by host, so the
    /// control plane resolves its name and workers pool its connections like any other.
    public mutating func addExternalAuthUpstreams() {
        var known = Set(upstreams.map(\.name))
        for route in routes {
            for auth in [route.settings.externalAuth] + route.paths.map(\.settings.externalAuth) {
                guard let auth, auth.enabled, case .success(let url) = ExternalAuthURL.parse(auth.url),
                      let upstream = url.upstream(at: auth.location), known.insert(upstream.name).inserted else { continue }
                upstreams.append(upstream)
            }
        }
    }
}

/// One entry of `cache_duration`: answers with these statuses are remembered this long.
public struct AuthCacheRule: Equatable, Sendable {
    public var statuses: [Int]
    public var seconds: Int

    /// nginx's `proxy_cache_valid` values, comma-separated: `[code ...] time ...` where a
    /// time is `\d+(ms|s|m|h|d|w|M|y)` and several add up (`1h 30m`). Without codes nginx
    /// caches 200, 301 and 302.
    public static func parse(_ text: String) -> Result<[AuthCacheRule], TemplateProblem> {
        var rules: [AuthCacheRule] = []
        for entry in text.split(separator: ",") {
            var statuses: [Int] = []
            var milliseconds = 0
            for word in entry.split(separator: " ") where !word.isEmpty {
                if word.count == 3, let status = Int(word), (100...599).contains(status), milliseconds == 0 {
                    statuses.append(status)
                    continue
                }
                guard let value = duration(word) else {
                    return .failure(TemplateProblem("'\(entry.trimmingOptionalWhitespace())' is not a cache duration such as '200 202 401 5m'"))
                }
                milliseconds += value
            }
            guard milliseconds > 0 else {
                return .failure(TemplateProblem("'\(entry.trimmingOptionalWhitespace())' has no time (such as 5m)"))
            }
            rules.append(AuthCacheRule(statuses: statuses.isEmpty ? [200, 301, 302] : statuses, seconds: max(1, milliseconds / 1000)))
        }
        return rules.isEmpty ? .failure(TemplateProblem("'\(text)' is empty")) : .success(rules)
    }

    private static func duration(_ word: Substring) -> Int? {
        let digits = word.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9, let number = Int(digits) else { return nil }
        let factor: Int
        switch word.dropFirst(digits.count) {
        case "ms": factor = 1
        case "s": factor = 1000
        case "m": factor = 60_000
        case "h": factor = 3_600_000
        case "d": factor = 86_400_000
        case "w": factor = 604_800_000
        case "M": factor = 2_592_000_000
        case "y": factor = 31_536_000_000
        default: return nil
        }
        // Nine digits of years overflow 64 bits (found by FuzzAuthTemplates): not a duration.
        let (milliseconds, overflow) = number.multipliedReportingOverflow(by: factor)
        return overflow ? nil : milliseconds
    }
}
