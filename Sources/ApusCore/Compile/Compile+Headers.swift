/// Header rules, the HTTPS redirect and HSTS: checked once where they are written (route or
/// path rule), then merged per path rule and turned into the bytes workers copy.
extension RouteTableCompiler {
    /// Which head a block of header rules changes.
    enum HeaderDirection: String {
        case request = "request_headers"
        case response = "response_headers"
    }

    /// Fields whose meaning is the connection's or the body's framing and coding, which
    /// Apus itself writes (DESIGN.md "HTTP rules", gzip): a rule that set or removed one
    /// could desynchronise the two sides (request smuggling), break keep-alive, or label a
    /// body with a coding it does not have.
    static let managedHeaders: Set<String> = [
        "content-length", "transfer-encoding", "connection", "upgrade", "te", "keep-alive",
        "proxy-connection", "trailer", "content-encoding",
    ]

    /// Diagnoses the settings written at one level. `dropped` ends each error message
    /// ("the rule is dropped"). Returns false when any error was found.
    static func checkSettings(_ settings: RouteSettings, files: HeaderValueFiles, dropped: String,
                              into diagnostics: inout [Diagnostic]) -> Bool {
        let before = diagnostics.count
        if let rules = settings.requestHeaders {
            checkHeaderRules(rules, .request, files: files, dropped: dropped, into: &diagnostics)
        }
        if let rules = settings.responseHeaders {
            checkHeaderRules(rules, .response, files: files, dropped: dropped, into: &diagnostics)
            if settings.hsts != nil, let clash = rules.replacing.first(where: isHSTS).map(\.location)
                ?? rules.adding.first(where: isHSTS).map(\.location)
                ?? rules.removing.first(where: { $0.name.lowercased() == "strict-transport-security" }).map(\.location) {
                diagnostics.append(.error("conflicting-header-rules", "Strict-Transport-Security is written by 'hsts' on this route; remove one of the two; \(dropped)", at: clash))
            }
        }
        if let redirect = settings.httpsRedirect {
            if let status = redirect.status, ![301, 302, 307, 308].contains(status) {
                diagnostics.append(.error("invalid-https-redirect", "https_redirect_status \(status) is not 301, 302, 307 or 308; \(dropped)", at: redirect.location))
            }
            if let port = redirect.port, !(1...65535).contains(port) {
                diagnostics.append(.error("invalid-https-redirect", "https_port \(port) is not in 1...65535; \(dropped)", at: redirect.location))
            }
        }
        if let access = settings.accessList {
            for written in (access.allow ?? []) + (access.deny ?? []) {
                if case .failure(let problem) = AddressRange.parse(written) {
                    diagnostics.append(.error("invalid-address-range", "'\(written)' \(problem.explanation); \(dropped)", at: access.location))
                }
            }
        }
        if let auth = settings.basicAuth, auth.enabled {
            if auth.realm.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                diagnostics.append(.error("invalid-basic-auth", "the basic auth realm has a control character; \(dropped)", at: auth.location))
            }
            if let users = auth.users {
                let (parsed, problems) = Htpasswd.parse(users)
                for problem in problems {
                    diagnostics.append(.warning("htpasswd-line", "\(auth.origin) line \(problem.line) \(problem.message); that line is skipped", at: auth.location))
                }
                if parsed.isEmpty {
                    diagnostics.append(.warning("htpasswd-empty", "\(auth.origin) has no usable user; every request gets 401", at: auth.location))
                }
            }
        }
        if let auth = settings.externalAuth, auth.enabled {
            for problem in externalAuthProblems(auth) {
                diagnostics.append(.error("invalid-external-auth", "external_auth \(problem); \(dropped)", at: auth.location))
            }
        }
        if let certificates = settings.clientCertificates, certificates.verify != .off {
            for problem in clientCertificateProblems(certificates) {
                diagnostics.append(.error("invalid-client-certificates", "client_certificates \(problem); \(dropped)", at: certificates.location))
            }
        }
        if let backend = settings.errorBackend, backend.enabled {
            for status in backend.statuses where !ErrorBackendConfig.statusRange.contains(status) {
                diagnostics.append(.error("invalid-error-backend", "error_backend statuses: \(status) is not an error status (400 to 599); \(dropped)", at: backend.location))
            }
        }
        if let canary = settings.canary, canary.enabled {
            for problem in canaryProblems(canary) {
                diagnostics.append(.error("invalid-canary", "canary \(problem); \(dropped)", at: canary.location))
            }
        }
        if let cors = settings.cors, cors.enabled {
            for origin in cors.allowOrigins {
                if let problem = CORSConfig.originProblem(origin) {
                    diagnostics.append(.error("invalid-cors", "cors allow_origins: \(problem); \(dropped)", at: cors.location))
                }
            }
            if cors.allowOrigins.isEmpty {
                diagnostics.append(.error("invalid-cors", "cors allow_origins is empty; \(dropped)", at: cors.location))
            }
            for (key, value, allowStar) in [("allow_methods", cors.allowMethods, false), ("allow_headers", cors.allowHeaders, true),
                                            ("expose_headers", cors.exposeHeaders, true)] where !CORSConfig.isNameList(value, allowStar: allowStar) {
                diagnostics.append(.error("invalid-cors", "cors \(key) '\(value)' is not a list of header or method names; \(dropped)", at: cors.location))
            }
            if cors.maxAgeSeconds < 0 {
                diagnostics.append(.error("invalid-cors", "cors max_age must not be negative; \(dropped)", at: cors.location))
            }
        }
        if let hsts = settings.hsts {
            if hsts.maxAgeSeconds < 0 {
                diagnostics.append(.error("invalid-hsts", "hsts max_age must not be negative; \(dropped)", at: hsts.location))
            } else if hsts.preload && (!hsts.includeSubdomains || hsts.maxAgeSeconds < 31_536_000) {
                diagnostics.append(.warning("hsts-preload", "hsts preload: browsers' preload lists require include_subdomains and a max_age of at least 31536000", at: hsts.location))
            }
        }
        return !diagnostics[before...].contains { $0.severity == .error }
    }

    /// What is wrong with a client-certificate setting, each as "KEY: why" (the CA bundle
    /// itself is checked where it is loaded, by the TLS catalog).
    public static func clientCertificateProblems(_ config: ClientCertificateConfig) -> [String] {
        var problems: [String] = []
        if config.depth < 0 || config.depth > 100 { problems.append("depth: \(config.depth) is not from 0 to 100") }
        if let pattern = config.matchCN {
            do {
                _ = try CompiledPattern(pattern, flavor: .search)
            } catch {
                problems.append("match_cn: '\(pattern)' does not compile: \(error.message) at offset \(error.offset)")
            }
        }
        if let page = config.errorPage {
            let isURL = page.hasPrefix("http://") || page.hasPrefix("https://") || page.hasPrefix("/")
            if !isURL || page.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F }) {
                problems.append("error_page: '\(page)' is not an http(s) URL or a path without spaces")
            }
        }
        return problems
    }

    /// What is wrong with a canary setting, each as "KEY: why" (its upstream is checked
    /// where the rule is compiled).
    public static func canaryProblems(_ canary: CanaryConfig) -> [String] {
        var problems: [String] = []
        if let header = canary.header, !HeaderValueCheck.isToken(header) { problems.append("header: '\(header)' is not a field name") }
        if canary.header == nil && (canary.headerValue != nil || canary.headerPattern != nil) {
            problems.append("header_value and header_pattern need header")
        }
        if let value = canary.headerValue, value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            problems.append("header_value: '\(value)' has a control character")
        }
        if let pattern = canary.headerPattern {
            do {
                _ = try CompiledPattern(pattern, flavor: .search)
            } catch {
                problems.append("header_pattern: '\(pattern)' does not compile: \(error.message) at offset \(error.offset)")
            }
        }
        if let cookie = canary.cookie, !HeaderValueCheck.isToken(cookie) { problems.append("cookie: '\(cookie)' is not a cookie name") }
        if canary.weight < 0 { problems.append("weight: \(canary.weight) is negative") }
        if canary.weightTotal < 1 || canary.weightTotal > CompiledCanary.maximumWeightTotal {
            problems.append("weight_total: \(canary.weightTotal) is not from 1 to \(CompiledCanary.maximumWeightTotal)")
        }
        return problems
    }

    /// What is wrong with an external-auth setting, each as "KEY: why".
    public static func externalAuthProblems(_ auth: ExternalAuthConfig) -> [String] {
        var problems: [String] = []
        if case .failure(let problem) = ExternalAuthURL.parse(auth.url) { problems.append("url: \(problem.message)") }
        for (key, text) in [("signin", auth.signin), ("request_redirect", auth.requestRedirect), ("cache_key", auth.cacheKey)] {
            guard let text else { continue }
            if case .failure(let problem) = RequestTemplate.parse(text) { problems.append("\(key): \(problem.message)") }
            if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { problems.append("\(key): '\(text)' has a control character") }
        }
        if let signin = auth.signin, !signin.lowercased().hasPrefix("http://") && !signin.lowercased().hasPrefix("https://") && !signin.hasPrefix("$scheme://") && !signin.hasPrefix("/") {
            problems.append("signin: '\(signin)' is not an http(s) URL or a path")
        }
        if let method = auth.method, !ExternalAuthConfig.methods.contains(method.uppercased()) {
            problems.append("method: '\(method)' is not one of \(ExternalAuthConfig.methods.sorted().joined(separator: ", "))")
        }
        if let parameter = auth.signinRedirectParam, parameter.isEmpty || !parameter.utf8.allSatisfy(HeaderValueCheck.isTokenChar) {
            problems.append("signin_redirect_param: '\(parameter)' is not a query parameter name")
        }
        for name in auth.responseHeaders where !HeaderValueCheck.isToken(name) || name.utf8.count > 255 {
            problems.append("response_headers: '\(name)' is not a header name")
        }
        for name in auth.responseHeaders where managedHeaders.contains(name.lowercased()) || name.lowercased() == "host" {
            problems.append("response_headers: \(name) is managed by apus and can't be copied from the auth service")
        }
        if let duration = auth.cacheDuration, case .failure(let problem) = AuthCacheRule.parse(duration) {
            problems.append("cache_duration: \(problem.message)")
        }
        for field in auth.proxySetHeaders {
            if !HeaderValueCheck.isToken(field.name) || field.name.utf8.count > 255 {
                problems.append("proxy_set_headers: '\(field.name)' is not a header name")
            } else if ExternalAuthConfig.fieldsOfTheRequest.contains(field.name.lowercased()) {
                problems.append("proxy_set_headers: \(field.name) is written by the auth request itself")
            } else if field.value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                problems.append("proxy_set_headers: the value of \(field.name) has a control character")
            } else if case .failure(let problem) = RequestTemplate.parse(field.value) {
                problems.append("proxy_set_headers: \(field.name): \(problem.message)")
            }
        }
        return problems
    }

    private static func isHSTS(_ rule: HeaderValueRule) -> Bool {
        rule.name.lowercased() == "strict-transport-security"
    }

    private static func checkHeaderRules(_ rules: HeaderRulesConfig, _ direction: HeaderDirection, files: HeaderValueFiles,
                                         dropped: String, into diagnostics: inout [Diagnostic]) {
        let block = direction.rawValue
        var setNames: [String: SourceLocation] = [:]
        var addNames = Set<String>()
        var removeNames: [String: SourceLocation] = [:]
        func checkName(_ name: String, _ verb: String, at location: SourceLocation) -> Bool {
            guard HeaderValueCheck.isToken(name) else {
                diagnostics.append(.error("invalid-header-name", "\(block).\(verb): '\(name)' is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only); \(dropped)", at: location))
                return false
            }
            // Compiled names carry their length in one byte.
            guard name.utf8.count <= 255 else {
                diagnostics.append(.error("invalid-header-name", "\(block).\(verb): a header name of \(name.utf8.count) bytes is longer than 255; \(dropped)", at: location))
                return false
            }
            let lower = name.lowercased()
            if managedHeaders.contains(lower) {
                diagnostics.append(.error("managed-header", "\(block).\(verb): \(name) is managed by apus (connection and body framing) and can't be changed by a rule; \(dropped)", at: location))
                return false
            }
            if direction == .request && lower == "host" && verb != "set" {
                diagnostics.append(.error("managed-header", "\(block).\(verb): a request has exactly one Host; it can be set, not added or removed; \(dropped)", at: location))
                return false
            }
            return true
        }
        for rule in rules.replacing {
            guard checkName(rule.name, "set", at: rule.location) else { continue }
            let lower = rule.name.lowercased()
            if let first = setNames[lower] {
                diagnostics.append(.error("conflicting-header-rules", "\(block).set: \(rule.name) is already set at \(first); \(dropped)", at: rule.location))
            }
            setNames[lower] = setNames[lower] ?? rule.location
            checkValue(rule, block: "\(block).set", files: files, dropped: dropped, into: &diagnostics)
        }
        for rule in rules.adding {
            guard checkName(rule.name, "add", at: rule.location) else { continue }
            addNames.insert(rule.name.lowercased())
            checkValue(rule, block: "\(block).add", files: files, dropped: dropped, into: &diagnostics)
        }
        for rule in rules.removing {
            guard checkName(rule.name, "remove", at: rule.location) else { continue }
            let lower = rule.name.lowercased()
            if setNames[lower] != nil || addNames.contains(lower) {
                diagnostics.append(.error("conflicting-header-rules", "\(block).remove: \(rule.name) is also set or added here; a set already replaces the received fields; \(dropped)", at: rule.location))
            } else if let first = removeNames[lower] {
                diagnostics.append(.warning("duplicate-header-rule", "\(block).remove: \(rule.name) is already removed at \(first)", at: rule.location))
            }
            removeNames[lower] = removeNames[lower] ?? rule.location
        }
    }

    /// Literal values and prefixes are checked as written; a file's content as read. No
    /// message quotes a value: it may be a secret.
    private static func checkValue(_ rule: HeaderValueRule, block: String, files: HeaderValueFiles, dropped: String,
                                   into diagnostics: inout [Diagnostic]) {
        switch rule.value {
        case .literal(let text):
            if let problem = HeaderValueCheck.problem(in: Array(text.utf8)) {
                diagnostics.append(.error("invalid-header-value", "\(block): the value of \(rule.name) \(problem); \(dropped)", at: rule.valueLocation))
            }
        case .file(let path, let prefix):
            if let problem = HeaderValueCheck.problem(in: Array(prefix.utf8)) {
                diagnostics.append(.error("invalid-header-value", "\(block): the prefix of \(rule.name) \(problem); \(dropped)", at: rule.valueLocation))
            }
            switch files[path] {
            case .value: break
            case .unusable(let reason):
                diagnostics.append(.error("header-value-file", "\(block): value_from_file '\(path)' for \(rule.name): \(reason); \(dropped)", at: rule.valueLocation))
            case nil:
                diagnostics.append(.error("header-value-file", "\(block): value_from_file '\(path)' for \(rule.name) was not read; \(dropped)", at: rule.valueLocation))
            }
        }
    }

    /// The settings of a path rule, its own over its route's (see `RouteSettings`), and
    /// what they compile to. Both levels passed `checkSettings`.
    static func compileSettings(route: RouteSettings, rule: RouteSettings, files: HeaderValueFiles) -> CompiledSettings {
        var compiled = CompiledSettings()
        compiled.requestRules = merged(rule.requestHeaders, over: route.requestHeaders)
        compiled.responseRules = merged(rule.responseHeaders, over: route.responseHeaders)
        compiled.requestEdits = compiled.requestRules.flatMap { edits($0, files: files) }
        compiled.responseEdits = compiled.responseRules.flatMap { edits($0, files: files) }

        var tlsRules = compiled.responseRules
        if let hsts = route.hsts {
            let value = hsts.headerValue
            compiled.hstsValue = value
            // HSTS as a route-level `set`, so a path's own rule for the field wins as for any other.
            let routeLevel = HeaderRulesConfig(set: [HeaderValueRule(name: "Strict-Transport-Security", value: .literal(value))])
            tlsRules = merged(rule.responseHeaders, over: routeLevel.overriding(route.responseHeaders))
            compiled.responseEditsTLS = tlsRules.flatMap { edits($0, files: files) }
        } else {
            compiled.responseEditsTLS = compiled.responseEdits
        }
        if let cors = rule.cors ?? route.cors, cors.enabled {
            let compiledCORS = CompiledCORS(config: cors, base: (corsBase(compiled.responseRules, cors, files: files), corsBase(tlsRules, cors, files: files)))
            compiled.cors = compiledCORS
            // What a request gets unless its Origin is listed: the route's own edits then,
            // so a CORS route pays the same as one with header rules until an Origin matches.
            let usual = compiledCORS.anyOrigin ?? compiledCORS.unmatched
            compiled.responseEdits = usual.plain
            compiled.responseEditsTLS = usual.tls
        }

        compiled.accessList = accessList(rule.accessList, over: route.accessList)
        if let auth = rule.basicAuth ?? route.basicAuth, auth.enabled {
            compiled.basicAuth = CompiledBasicAuth(realm: auth.realm, users: auth.users, origin: auth.origin, file: auth.file)
        }

        let enabled = rule.httpsRedirect?.enabled ?? route.httpsRedirect?.enabled ?? false
        if enabled {
            let status = rule.httpsRedirect?.status ?? route.httpsRedirect?.status ?? 308
            let port = rule.httpsRedirect?.port ?? route.httpsRedirect?.port ?? 443
            let strips = rule.httpsRedirect?.stripsTrailingSlash ?? route.httpsRedirect?.stripsTrailingSlash ?? false
            compiled.httpsRedirect = CompiledHTTPSRedirect(status: status, port: port == 443 ? nil : port, stripsTrailingSlash: strips)
        }
        return compiled
    }

    /// The route's response rules under a CORS policy: rules naming an `Access-Control-*`
    /// field the policy writes give way to it, and a list of origins adds `Vary: Origin`.
    private static func corsBase(_ rules: HeaderRulesConfig?, _ cors: CORSConfig, files: HeaderValueFiles) -> CompiledHeaderEdits? {
        var base = rules ?? HeaderRulesConfig()
        let written = Set(["access-control-allow-origin", "access-control-allow-credentials", "access-control-allow-methods",
                           "access-control-allow-headers", "access-control-expose-headers", "access-control-max-age"])
        base.replacing.removeAll { written.contains($0.name.lowercased()) }
        base.adding.removeAll { written.contains($0.name.lowercased()) }
        base.removing.removeAll { written.contains($0.name.lowercased()) }
        if !cors.allowOrigins.contains("*") { base.adding.append(HeaderValueRule(name: "Vary", value: .literal("Origin"))) }
        return base.isEmpty ? nil : edits(base, files: files)
    }

    /// A path's lists replace its route's, each on its own; nil when neither list is left.
    private static func accessList(_ own: AccessListConfig?, over inherited: AccessListConfig?) -> CompiledAccessList? {
        // An empty list clears the inherited one: an empty allow list allows everyone.
        let allow = (own?.allow ?? inherited?.allow).flatMap { $0.isEmpty ? nil : $0 }
        let deny = own?.deny ?? inherited?.deny ?? []
        // Both levels passed `checkSettings`: every entry parses.
        func ranges(_ written: [String]) -> [AddressRange] { written.compactMap { try? AddressRange.parse($0).get() } }
        if allow == nil && deny.isEmpty { return nil }
        return CompiledAccessList(allow: allow.map(ranges), deny: ranges(deny))
    }

    private static func merged(_ own: HeaderRulesConfig?, over inherited: HeaderRulesConfig?) -> HeaderRulesConfig? {
        let result = own.map { $0.overriding(inherited) } ?? inherited
        return result?.isEmpty == false ? result : nil
    }

    /// The bytes a serializer copies: removed names (lowercase, length-prefixed) and lines.
    static func edits(_ rules: HeaderRulesConfig, files: HeaderValueFiles) -> CompiledHeaderEdits? {
        var names: [UInt8] = []
        var lines: [UInt8] = []
        func removeName(_ name: String) {
            let bytes = Array(name.lowercased().utf8)
            names.append(UInt8(bytes.count))
            names += bytes
        }
        func line(_ rule: HeaderValueRule) {
            lines += Array(rule.name.utf8)
            lines += Array(": ".utf8)
            switch rule.value {
            case .literal(let text):
                lines += Array(text.utf8)
            case .file(let path, let prefix):
                lines += Array(prefix.utf8)
                if case .value(let bytes) = files[path] { lines += bytes }
            }
            lines += [13, 10]
        }
        for rule in rules.replacing {
            removeName(rule.name)
            line(rule)
        }
        for rule in rules.adding { line(rule) }
        for rule in rules.removing { removeName(rule.name) }
        if names.isEmpty && lines.isEmpty { return nil }
        return CompiledHeaderEdits(removedNames: names, addedLines: lines)
    }
}

/// What a path rule's settings compile to (fields of `CompiledRoute`).
struct CompiledSettings {
    var requestRules: HeaderRulesConfig?
    var responseRules: HeaderRulesConfig?
    var requestEdits: CompiledHeaderEdits?
    var responseEdits: CompiledHeaderEdits?
    var responseEditsTLS: CompiledHeaderEdits?
    var httpsRedirect: CompiledHTTPSRedirect?
    var hstsValue: String?
    var accessList: CompiledAccessList?
    var basicAuth: CompiledBasicAuth?
    var cors: CompiledCORS?
}
