import ApusCore
import Yams

/// The settings a route gives its paths and a path rule may override: `request_headers`,
/// `response_headers`, `https_redirect` (+ `https_redirect_status`, `https_port`), `allow`
/// and `deny` (client addresses), `basic_auth`, `external_auth`, `error_backend`, `canary`, `cors`, `access_log`, and on a route only,
/// `hsts`.
extension ConfigNodeReader {
    static let settingKeys = ["request_headers", "response_headers", "https_redirect", "https_redirect_status", "https_port", "allow", "deny", "basic_auth", "external_auth", "error_backend", "canary", "cors", "access_log", "rate_limit"]
    static let headerRuleKeys = ["set", "add", "remove"]
    static let headerValueKeys = ["name", "value", "value_from_file", "prefix"]

    mutating func routeSettings(in fields: MappingFields) -> RouteSettings {
        var settings = RouteSettings()
        settings.requestHeaders = headerRules("request_headers", in: fields)
        settings.responseHeaders = headerRules("response_headers", in: fields)
        let enabled = boolean("https_redirect", in: fields)
        let status = integer("https_redirect_status", in: fields)
        let port = integer("https_port", in: fields)
        if enabled != nil || status != nil || port != nil {
            let node = fields.keyNode("https_redirect") ?? fields.keyNode("https_redirect_status") ?? fields.keyNode("https_port")
            settings.httpsRedirect = HTTPSRedirectConfig(
                enabled: enabled, status: status, port: port, location: node.map(location(of:)) ?? location(of: fields.node))
        }
        if fields.contains("hsts") { settings.hsts = hsts(in: fields) }
        if fields.contains("client_certificates") { settings.clientCertificates = clientCertificates(in: fields) }
        let allow = addressList("allow", in: fields)
        let deny = addressList("deny", in: fields)
        if allow != nil || deny != nil {
            let node = fields.keyNode("allow") ?? fields.keyNode("deny")
            settings.accessList = AccessListConfig(allow: allow, deny: deny, location: node.map(location(of:)) ?? location(of: fields.node))
        }
        settings.basicAuth = basicAuth(in: fields)
        settings.externalAuth = externalAuth(in: fields)
        settings.errorBackend = errorBackend(in: fields)
        settings.canary = canary(in: fields)
        settings.cors = cors(in: fields)
        settings.accessLog = boolean("access_log", in: fields)
        settings.rateLimit = rateLimit(in: fields)
        return settings
    }

    /// `rate_limit: { rps: 10, rpm: 300, burst_multiplier: 5, connections: 20, allow: [10.0.0.0/8],
    /// zone: NAME }`, or `false` to turn an inherited one off. The compiler checks the values.
    private mutating func rateLimit(in fields: MappingFields) -> RateLimitConfig? {
        guard let node = fields["rate_limit"] else { return nil }
        if node.scalar != nil {
            return offSwitch("rate_limit", in: fields, code: "rate-limit", trueLacks: "sets no limit; write { rps: 10 }").map { .off(at: $0) }
        }
        let keys = ["rps", "rpm", "burst_multiplier", "connections", "allow", "zone"]
        guard let section = self.fields(of: node, at: fields.contextPath("rate_limit"), allowed: keys) else { return nil }
        var limit = RateLimitConfig(location: location(of: node))
        limit.perSecond = integer("rps", in: section, minimum: .min)
        limit.perMinute = integer("rpm", in: section, minimum: .min)
        if let multiplier = integer("burst_multiplier", in: section, minimum: .min) { limit.burstMultiplier = multiplier }
        limit.connections = integer("connections", in: section, minimum: .min)
        limit.allow = addressList("allow", in: section) ?? []
        limit.zone = string("zone", in: section)
        return limit
    }

    /// `cors: true` (any origin, the defaults), `cors: false` (off on a path), or
    /// `cors: { allow_origins: [...], allow_methods, allow_headers, expose_headers,
    /// allow_credentials, max_age }`. Name lists are sequences or comma-separated text.
    private mutating func cors(in fields: MappingFields) -> CORSConfig? {
        guard let node = fields["cors"] else { return nil }
        if node.scalar != nil {
            guard let enabled = boolean("cors", in: fields) else { return nil }
            return enabled ? CORSConfig(location: location(of: node)) : .off(at: location(of: node))
        }
        let keys = ["allow_origins", "allow_methods", "allow_headers", "expose_headers", "allow_credentials", "max_age"]
        guard let section = self.fields(of: node, at: fields.contextPath("cors"), allowed: keys) else { return nil }
        var cors = CORSConfig(location: location(of: node))
        if let origins = nameList("allow_origins", in: section) { cors.allowOrigins = origins }
        if let methods = nameList("allow_methods", in: section) { cors.allowMethods = methods.joined(separator: ", ") }
        if let headers = nameList("allow_headers", in: section) { cors.allowHeaders = headers.joined(separator: ",") }
        if let expose = nameList("expose_headers", in: section) { cors.exposeHeaders = expose.joined(separator: ",") }
        if let credentials = boolean("allow_credentials", in: section) { cors.allowCredentials = credentials }
        if let seconds = duration("max_age", in: section) { cors.maxAgeSeconds = seconds / 1000 }
        if cors.allowCredentials && cors.allowOrigins.contains("*"), let at = section.keyNode("allow_credentials") {
            error("invalid-cors", "\(section.contextPath("allow_credentials")): browsers refuse credentials from a server that allows any origin; list the origins", at: at)
            return nil
        }
        return cors
    }

    /// A sequence of strings, or one string of comma-separated entries.
    private mutating func nameList(_ key: String, in fields: MappingFields) -> [String]? {
        guard let node = fields[key] else { return nil }
        if let text = node.scalar?.string {
            return text.split(separator: ",").map { String($0.trimmingOptionalWhitespace()) }.filter { !$0.isEmpty }
        }
        guard let items = sequence(key, in: fields) else { return nil }
        return items.enumerated().compactMap { index, item in string(item, at: "\(fields.contextPath(key))[\(index)]") }
    }

    /// A setting written as a scalar where it takes a section or `false`: the location of a
    /// `false` (which turns an inherited setting off); nil, with an error, for `true`
    /// (which says nothing about what to use) or a value that is not a boolean.
    private mutating func offSwitch(_ key: String, in fields: MappingFields, code: String, trueLacks: String) -> SourceLocation? {
        guard let node = fields[key], let enabled = boolean(key, in: fields) else { return nil }
        guard !enabled else {
            error(code, "\(fields.contextPath(key)): 'true' \(trueLacks)", at: node)
            return nil
        }
        return location(of: node)
    }

    /// `basic_auth: { realm: R, htpasswd: FILE }`, or `basic_auth: false` to turn an
    /// inherited one off. The file is read now (and watched by `serve`).
    private mutating func basicAuth(in fields: MappingFields) -> BasicAuthConfig? {
        guard let node = fields["basic_auth"] else { return nil }
        if node.scalar != nil {
            return offSwitch("basic_auth", in: fields, code: "basic-auth", trueLacks: "names no users; write { htpasswd: FILE, realm: TEXT }")
                .map { .off(at: $0) }
        }
        guard let section = self.fields(of: node, at: fields.contextPath("basic_auth"), allowed: ["htpasswd", "realm"]),
              let file = string("htpasswd", in: section, required: true) else { return nil }
        let realm = string("realm", in: section) ?? ""
        let resolved = ConfigRelativePath.resolve(file, relativeTo: path)
        switch ConfigFileReader.bytes(of: resolved, maximumBytes: 4 << 20) {
        case .success(let bytes):
            return BasicAuthConfig(realm: realm, users: String(decoding: bytes, as: UTF8.self), origin: resolved, file: resolved,
                                   location: location(of: section["htpasswd"] ?? node))
        case .failure(let failure):
            error("basic-auth", "\(section.contextPath("htpasswd")): cannot read \(resolved): \(failure.reason)", at: section["htpasswd"] ?? node)
            return nil
        }
    }

    /// `external_auth: { url, method, signin, signin_redirect_param, response_headers,
    /// request_redirect, cache_key, cache_duration, always_set_cookie, proxy_set_headers }`,
    /// or `false` to turn an inherited one off. The compiler checks the values.
    private mutating func externalAuth(in fields: MappingFields) -> ExternalAuthConfig? {
        guard let node = fields["external_auth"] else { return nil }
        if node.scalar != nil {
            return offSwitch("external_auth", in: fields, code: "external-auth", trueLacks: "names no service; write { url: http://auth.example/verify }")
                .map { .off(at: $0) }
        }
        let keys = ["url", "method", "signin", "signin_redirect_param", "response_headers", "request_redirect", "cache_key",
                    "cache_duration", "always_set_cookie", "proxy_set_headers"]
        guard let section = self.fields(of: node, at: fields.contextPath("external_auth"), allowed: keys),
              let url = string("url", in: section, required: true) else { return nil }
        var auth = ExternalAuthConfig(url: url, location: location(of: section["url"] ?? node))
        auth.method = string("method", in: section)
        auth.signin = string("signin", in: section)
        auth.signinRedirectParam = string("signin_redirect_param", in: section)
        auth.responseHeaders = nameList("response_headers", in: section) ?? []
        auth.requestRedirect = string("request_redirect", in: section)
        auth.cacheKey = string("cache_key", in: section)
        auth.cacheDuration = string("cache_duration", in: section)
        auth.alwaysSetCookie = boolean("always_set_cookie", in: section) ?? false
        if let node = section["proxy_set_headers"], !node.isNull {
            guard case let .mapping(mapping) = node else {
                wrongType(section.contextPath("proxy_set_headers"), expected: "a mapping of header names to values", found: node)
                return nil
            }
            for (keyNode, value) in pairs(of: mapping, at: section.contextPath("proxy_set_headers")) {
                guard let name = string(keyNode, at: "a key in \(section.contextPath("proxy_set_headers"))"),
                      let text = string(value, at: "\(section.contextPath("proxy_set_headers")).\(name)") else { continue }
                auth.proxySetHeaders.append(AuthRequestField(name: name, value: text))
            }
        }
        return auth
    }

    /// `error_backend: { upstream: NAME, statuses: [404, 503] }`, or `false` to turn an
    /// inherited one off. The compiler checks the statuses and the upstream.
    private mutating func errorBackend(in fields: MappingFields) -> ErrorBackendConfig? {
        guard let node = fields["error_backend"] else { return nil }
        if node.scalar != nil {
            return offSwitch("error_backend", in: fields, code: "error-backend", trueLacks: "names no upstream; write { upstream: NAME, statuses: [404, 503] }")
                .map { .off(at: $0) }
        }
        guard let section = self.fields(of: node, at: fields.contextPath("error_backend"), allowed: ["upstream", "statuses"]),
              let upstream = string("upstream", in: section, required: true) else { return nil }
        var statuses: [Int] = []
        for text in nameList("statuses", in: section) ?? [] {
            guard let status = Int(text) else {
                error("bad-value", "\(section.contextPath("statuses")): '\(text)' is not a status", at: section["statuses"] ?? node)
                return nil
            }
            statuses.append(status)
        }
        return ErrorBackendConfig(upstream: upstream, statuses: statuses, location: location(of: section["upstream"] ?? node))
    }

    /// `canary: { upstream: NAME, header: X-Canary, header_value: V, header_pattern: RE,
    /// cookie: NAME, weight: 10, weight_total: 100 }`, or `false` to turn an inherited one
    /// off. The compiler checks the values and the upstream.
    private mutating func canary(in fields: MappingFields) -> CanaryConfig? {
        guard let node = fields["canary"] else { return nil }
        if node.scalar != nil {
            return offSwitch("canary", in: fields, code: "canary", trueLacks: "names no upstream; write { upstream: NAME, weight: 10 }")
                .map { .off(at: $0) }
        }
        let keys = ["upstream", "header", "header_value", "header_pattern", "cookie", "weight", "weight_total"]
        guard let section = self.fields(of: node, at: fields.contextPath("canary"), allowed: keys),
              let upstream = string("upstream", in: section, required: true) else { return nil }
        var canary = CanaryConfig(upstream: upstream, location: location(of: section["upstream"] ?? node))
        canary.header = string("header", in: section)
        canary.headerValue = string("header_value", in: section)
        canary.headerPattern = string("header_pattern", in: section)
        canary.cookie = string("cookie", in: section)
        if let weight = integer("weight", in: section, minimum: .min) { canary.weight = weight }
        if let total = integer("weight_total", in: section, minimum: .min) { canary.weightTotal = total }
        return canary
    }

    /// `client_certificates: { ca: FILE, verify: on, depth: 1, error_page: URL,
    /// pass_certificate: false, match_cn: REGEX }` on a route. The CA file is read now.
    private mutating func clientCertificates(in fields: MappingFields) -> ClientCertificateConfig? {
        let keys = ["ca", "verify", "depth", "error_page", "pass_certificate", "match_cn"]
        guard let section = section("client_certificates", in: fields, allowed: keys),
              let file = string("ca", in: section, required: true) else { return nil }
        let resolved = ConfigRelativePath.resolve(file, relativeTo: path)
        let pem: String
        switch ConfigFileReader.bytes(of: resolved, maximumBytes: 4 << 20) {
        case .success(let bytes): pem = String(decoding: bytes, as: UTF8.self)
        case .failure(let failure):
            error("client-certificates", "\(section.contextPath("ca")): cannot read \(resolved): \(failure.reason)", at: section["ca"] ?? section.node)
            return nil
        }
        var config = ClientCertificateConfig(caPEM: pem, origin: resolved, file: resolved, location: location(of: section.node))
        if let verify = choice("verify", in: section, options: ClientCertificateConfig.Verify.allCases.map(\.rawValue), as: ClientCertificateConfig.Verify.self) {
            config.verify = verify
        }
        if let depth = integer("depth", in: section, minimum: 0, maximum: 100) { config.depth = depth }
        config.errorPage = string("error_page", in: section)
        config.passCertificate = boolean("pass_certificate", in: section) ?? false
        config.matchCN = string("match_cn", in: section)
        return config
    }

    /// `allow: [10.0.0.0/8, "2001:db8::/32"]`: the entries as written (the compiler checks
    /// them); nil when the key is absent.
    private mutating func addressList(_ key: String, in fields: MappingFields) -> [String]? {
        guard fields.contains(key), let items = sequence(key, in: fields) else { return nil }
        return items.enumerated().compactMap { index, item in
            string(item, at: "\(fields.contextPath(key))[\(index)]", hint: " (an address or network such as 10.0.0.0/8)")
        }
    }

    private mutating func headerRules(_ key: String, in fields: MappingFields) -> HeaderRulesConfig? {
        guard let section = section(key, in: fields, allowed: Self.headerRuleKeys) else { return nil }
        var rules = HeaderRulesConfig()
        for (index, item) in (sequence("set", in: section) ?? []).enumerated() {
            if let rule = headerValueRule(item, at: "\(section.contextPath("set"))[\(index)]") { rules.replacing.append(rule) }
        }
        for (index, item) in (sequence("add", in: section) ?? []).enumerated() {
            if let rule = headerValueRule(item, at: "\(section.contextPath("add"))[\(index)]") { rules.adding.append(rule) }
        }
        for (index, item) in (sequence("remove", in: section) ?? []).enumerated() {
            if let name = string(item, at: "\(section.contextPath("remove"))[\(index)]", hint: " (a header name)") {
                rules.removing.append(HeaderNameRule(name: name, location: location(of: item)))
            }
        }
        return rules
    }

    /// `{ name: X, value: V }` or `{ name: X, value_from_file: PATH, prefix: P }`. Values are
    /// never quoted in a diagnostic (they may be secrets).
    private mutating func headerValueRule(_ node: Node, at context: String) -> HeaderValueRule? {
        guard let fields = fields(of: node, at: context, allowed: Self.headerValueKeys) else { return nil }
        let name = string("name", in: fields, required: true)
        let hasValue = fields.contains("value")
        let hasFile = fields.contains("value_from_file")
        guard hasValue != hasFile else {
            if hasValue, let second = fields.keyNode("value_from_file") {
                error("header-value", "\(context): give either 'value' or 'value_from_file', not both", at: second)
            } else {
                error("missing-key", "\(context): a header needs 'value' or 'value_from_file'", at: fields.node)
            }
            return nil
        }
        if hasValue, let prefix = fields.keyNode("prefix") {
            error("header-value", "\(context): 'prefix' goes with 'value_from_file'; write it into 'value'", at: prefix)
            return nil
        }
        guard let name else { return nil }
        let nameLocation = fields["name"].map(location(of:)) ?? location(of: node)
        if hasValue {
            guard let valueNode = fields["value"], let text = string("value", in: fields, required: true) else { return nil }
            return HeaderValueRule(name: name, value: .literal(text), location: nameLocation, valueLocation: location(of: valueNode))
        }
        guard let fileNode = fields["value_from_file"], let file = string("value_from_file", in: fields, required: true) else {
            return nil
        }
        let prefix = string("prefix", in: fields) ?? ""
        return HeaderValueRule(
            name: name, value: .file(path: ConfigRelativePath.resolve(file, relativeTo: path), prefix: prefix),
            location: nameLocation, valueLocation: location(of: fileNode))
    }

    private mutating func hsts(in fields: MappingFields) -> HSTSConfig? {
        guard let section = section("hsts", in: fields, allowed: ["max_age", "include_subdomains", "preload"]) else {
            return nil
        }
        var hsts = HSTSConfig(location: location(of: section.node))
        if let maxAge = integer("max_age", in: section) { hsts.maxAgeSeconds = maxAge }
        if let include = boolean("include_subdomains", in: section) { hsts.includeSubdomains = include }
        if let preload = boolean("preload", in: section) { hsts.preload = preload }
        return hsts
    }
}
