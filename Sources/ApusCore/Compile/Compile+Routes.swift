extension RouteTableCompiler {
    /// Checks every route's host and every path rule. A rule with any error is dropped
    /// alone; a route with a bad host drops its own rules only.
    static func compileRules(
        _ routes: [RouteConfig], upstreams: [String: Int], files: HeaderValueFiles,
        compression: CompressionConfig = CompressionConfig()
    ) -> ([CompiledRule], [Diagnostic]) {
        var rules: [CompiledRule] = []
        var diagnostics: [Diagnostic] = []
        var policies: [CompressionConfig: CompressionPolicy] = [:]
        let hostPolicies = clientCertificatePolicies(routes, diagnostics: &diagnostics)
        for route in routes {
            var host: HostPattern?
            if let text = route.host {
                switch HostPattern.parse(text) {
                case .success(let pattern): host = pattern
                case .failure(let problem):
                    diagnostics.append(.error("invalid-host", "host '\(text)' \(problem.explanation); its \(route.paths.count) path rule(s) are dropped", at: route.location))
                    continue
                }
            }
            // Checked once here rather than once per inheriting path rule.
            let dropped = "the route's \(route.paths.count) path rule(s) are dropped"
            guard checkSettings(route.settings, files: files, dropped: dropped, into: &diagnostics) else { continue }
            if let config = route.settings.clientCertificates, config.verify != .off, host == nil {
                // The handshake knows a host by its server name: a catch-all has none to go by.
                diagnostics.append(.error("invalid-client-certificates", "client_certificates needs a host (the TLS handshake picks the policy by server name); \(dropped)", at: config.location))
                continue
            }
            let clientCertificates = host.flatMap { hostPolicies[$0.text] }
            for rule in route.paths {
                var (compiled, found) = compileRule(rule, host: host, inheriting: route.settings, upstreams: upstreams, files: files)
                diagnostics += found
                if let clientCertificates {
                    compiled?.route.clientCertificates = clientCertificates
                    compiled?.route.dependsOnScheme = true
                }
                let (policy, compressionFound) = compileCompression(compression, override: rule.compression, cache: &policies)
                // Top-level settings are shared by every rule: say what is wrong with them once.
                for diagnostic in compressionFound where !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
                // Only proxied and static responses are compressed; the small answers Apus
                // makes up itself (redirects, fixed responses) never are.
                switch compiled?.route.action {
                case .proxy?, .staticFiles?: compiled?.route.compression = policy
                default: break
                }
                if let compiled { rules.append(compiled) }
            }
        }
        return (rules, diagnostics)
    }

    /// Client certificates are a host's, whichever of its route blocks sets them (the
    /// handshake asks by server name, before any path is known): one policy per host, on
    /// every rule of the host. Two blocks of one host that set different ones are an error.
    static func clientCertificatePolicies(_ routes: [RouteConfig], diagnostics: inout [Diagnostic]) -> [String: CompiledClientCertificates] {
        var policies: [String: CompiledClientCertificates] = [:]
        for route in routes {
            guard let config = route.settings.clientCertificates, config.verify != .off, clientCertificateProblems(config).isEmpty,
                  let text = route.host, case .success(let host) = HostPattern.parse(text) else { continue }
            if let first = policies[host.text] {
                if first.config != config {
                    diagnostics.append(.error("conflicting-client-certificates", "client_certificates of host '\(host.text)' differ from those written at \(first.config.location); a host has one policy, the first is used", at: config.location))
                }
                continue
            }
            policies[host.text] = CompiledClientCertificates(config: config, host: host.text)
        }
        return policies
    }

    static func compileRule(_ rule: PathRuleConfig, host: HostPattern?, inheriting: RouteSettings,
                            upstreams: [String: Int], files: HeaderValueFiles) -> (CompiledRule?, [Diagnostic]) {
        let (key, pattern, pathDiagnostics) = compilePath(rule)
        let (action, actionDiagnostics) = compileAction(rule.action, at: rule.location, upstreams: upstreams)
        var diagnostics = pathDiagnostics + actionDiagnostics
        let settingsValid = checkSettings(rule.settings, files: files, dropped: "the rule is dropped", into: &diagnostics)
        guard let key, let action, settingsValid, diagnostics.allSatisfy({ $0.severity != .error }) else { return (nil, diagnostics) }
        let settings = compileSettings(route: inheriting, rule: rule.settings, files: files)
        let route = CompiledRoute(
            label: "\(host?.text ?? "*") \(rule.path)", host: host?.text, path: rule.path, match: rule.match,
            regexFlavor: rule.regexFlavor, action: action, compression: nil, location: rule.location,
            requestEdits: settings.requestEdits, responseEdits: settings.responseEdits,
            responseEditsTLS: settings.responseEditsTLS, httpsRedirect: settings.httpsRedirect,
            requestHeaderRules: settings.requestRules, responseHeaderRules: settings.responseRules,
            hstsValue: settings.hstsValue,
            dependsOnScheme: settings.responseEdits != nil || settings.responseEditsTLS != nil || settings.httpsRedirect != nil)
        var compiled = CompiledRule(host: host, key: key, pattern: pattern, route: route)
        compiled.route.metricLabels = metricLabels(of: rule, host: host, upstreams: upstreams)
        compiled.route.accessList = settings.accessList
        compiled.route.basicAuth = settings.basicAuth
        compiled.route.cors = settings.cors
        if let auth = rule.settings.externalAuth ?? inheriting.externalAuth, auth.enabled, case .success(let url) = ExternalAuthURL.parse(auth.url) {
            var upstream = -1
            if let name = url.upstreamName {
                guard let index = upstreams[name] else {
                    diagnostics.append(.error("invalid-external-auth", "external_auth url: no upstream '\(name)' was made for the service; the rule is dropped", at: auth.location))
                    return (nil, diagnostics)
                }
                upstream = index
            }
            compiled.route.externalAuth = CompiledExternalAuth(config: auth, url: url, upstream: upstream, scope: route.label)
        }
        compiled.route.authenticates = compiled.route.basicAuth != nil || compiled.route.externalAuth != nil
        if let backend = rule.settings.errorBackend ?? inheriting.errorBackend, backend.enabled, case .proxy(let index) = action {
            guard let backendIndex = upstreams[backend.upstream] else {
                diagnostics.append(.error("unknown-upstream", "error_backend names upstream '\(backend.upstream)', which is not defined; the rule is dropped", at: backend.location))
                return (nil, diagnostics)
            }
            let service = upstreams.first { $0.value == index }?.key ?? ""
            compiled.route.errorBackend = CompiledErrorBackend(config: backend, upstream: backendIndex, service: service)
        }
        // A host's canary is for its proxied paths; one written on a path that does not
        // proxy is a mistake.
        let isProxy = if case .proxy = action { true } else { false }
        if let canary = rule.settings.canary ?? (isProxy ? inheriting.canary : nil), canary.enabled {
            guard case .proxy(let main) = action else {
                diagnostics.append(.error("invalid-canary", "canary on a rule that does not proxy (it has no upstream to share); the rule is dropped", at: canary.location))
                return (nil, diagnostics)
            }
            guard let index = upstreams[canary.upstream] else {
                diagnostics.append(.error("unknown-upstream", "canary names upstream '\(canary.upstream)', which is not defined; the rule is dropped", at: canary.location))
                return (nil, diagnostics)
            }
            if index == main {
                diagnostics.append(.warning("canary-is-main", "canary names the rule's own upstream '\(canary.upstream)'; it changes nothing", at: canary.location))
            } else {
                compiled.route.canary = CompiledCanary(config: canary, upstream: index)
                compiled.route.metricLabels.canary = canary.upstream
            }
        }
        if let limit = rule.settings.rateLimit ?? inheriting.rateLimit, limit.enabled {
            if let problem = limit.problems.first {
                diagnostics.append(.error("invalid-rate-limit", "rate_limit \(problem); the rule is dropped", at: limit.location))
                return (nil, diagnostics)
            }
            // A host's limit is counted once for all its paths; a path's own, for that path.
            let zone = limit.zone ?? (rule.settings.rateLimit == nil
                ? "host \(compiled.route.host ?? "*")" : "rule \(compiled.route.match.rawValue) \(compiled.route.label)")
            compiled.route.rateLimit = CompiledRateLimit(config: limit, zone: zone)
        }
        compiled.route.writesAccessLog = rule.settings.accessLog ?? inheriting.accessLog ?? true
        compiled.route.corsMode = settings.cors.map { $0.anyOrigin != nil ? .anyOrigin : .listedOrigins } ?? .none
        guard compileProxyOptions(rule, pattern: pattern, into: &compiled.route, diagnostics: &diagnostics) else { return (nil, diagnostics) }
        compiled.route.makeHandles()
        return (compiled, diagnostics)
    }

    /// Why the rule's `rewrite` cannot be used with its path (a group its regex lacks, a
    /// bad template, a bad regex), or nil when it can or there is none. For sources that
    /// decide per rule before compiling (the Ingress translator drops such a path and says
    /// so, instead of listing it as served).
    public static func rewriteProblem(_ rule: PathRuleConfig) -> String? {
        guard let template = rule.rewrite else { return nil }
        var captureCount: Int?
        if rule.match == .regex {
            guard let pattern = try? CompiledPattern(rule.path, flavor: rule.regexFlavor) else { return "regex '\(rule.path)' does not compile" }
            captureCount = pattern.captureCount
        }
        do {
            _ = try CompiledRewrite(template: template, captureCount: captureCount)
            return nil
        } catch {
            return "rewrite '\(template)' \(error.explanation)"
        }
    }

    /// `rewrite` and `max_body_size` of a path rule: both change what is proxied, so a
    /// rule with another action gets an error for `rewrite` (it would be silently
    /// meaningless) and a warning for the limit (only proxied bodies are read). False when
    /// the rule must be dropped.
    static func compileProxyOptions(_ rule: PathRuleConfig, pattern: CompiledPattern?, into route: inout CompiledRoute,
                                    diagnostics: inout [Diagnostic]) -> Bool {
        var isProxy = false
        if case .proxy = rule.action { isProxy = true }
        if let template = rule.rewrite {
            guard isProxy else {
                diagnostics.append(.error("rewrite-without-upstream", "rewrite '\(template)' applies only to rules with an upstream; the rule is dropped", at: rule.location))
                return false
            }
            do {
                route.rewrite = try CompiledRewrite(template: template, captureCount: pattern?.captureCount)
            } catch {
                diagnostics.append(.error("invalid-rewrite", "rewrite '\(template)' \(error.explanation); the rule is dropped", at: rule.location))
                return false
            }
        }
        if let limit = rule.maxBodyBytes {
            if isProxy {
                route.maxBodyBytes = limit
            } else {
                diagnostics.append(.warning("max-body-size-unused", "max_body_size applies only to rules with an upstream (request bodies are read only to be proxied); it is ignored here", at: rule.location))
            }
        }
        return true
    }

    /// The rule's lookup key, and its compiled pattern for a Regex.
    static func compilePath(_ rule: PathRuleConfig) -> ([UInt8]?, CompiledPattern?, [Diagnostic]) {
        switch rule.match {
        case .exact, .prefix:
            guard rule.path.hasPrefix("/") else {
                return (nil, nil, [.error("invalid-path", "\(rule.match.rawValue) path '\(rule.path)' must start with '/'; the rule is dropped", at: rule.location)])
            }
            return (rule.match == .exact ? Array(rule.path.utf8) : PrefixTable.normalize(rule.path), nil, [])
        case .regex:
            let (pattern, diagnostics) = compileRegex(rule)
            return (pattern.map { _ in Array(rule.path.utf8) }, pattern, diagnostics)
        }
    }

    static func compileAction(_ action: RouteAction, at location: SourceLocation, upstreams: [String: Int]) -> (CompiledAction?, [Diagnostic]) {
        switch action {
        case .proxy(let name):
            guard let index = upstreams[name] else {
                return (nil, [.error("undefined-upstream", "upstream '\(name)' is not defined; the rule is dropped", at: location)])
            }
            return (.proxy(upstream: index), [])
        case .staticFiles(let files):
            guard !files.root.isEmpty else {
                return (nil, [.error("empty-static-root", "static files need a root directory; the rule is dropped", at: location)])
            }
            if let fallback = files.fallback,
               fallback.isEmpty || fallback.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) {
                return (nil, [.error("invalid-static-fallback", "static fallback '\(fallback)' must name a file inside the root (no '.' or '..' segments); the rule is dropped", at: location)])
            }
            return (.staticFiles(files), [])
        case .redirect(let redirect):
            guard [301, 302, 303, 307, 308].contains(redirect.status) else {
                return (nil, [.error("invalid-redirect-status", "redirect status \(redirect.status) is not 301, 302, 303, 307 or 308; the rule is dropped", at: location)])
            }
            if let url = redirect.url, let problem = RedirectTemplate.problem(url) {
                return (nil, [.error("invalid-redirect", "redirect url \(problem); the rule is dropped", at: location)])
            }
            return (.redirect(redirect), [])
        case .fixedResponse(let fixed):
            guard (200...599).contains(fixed.status) else {
                return (nil, [.error("invalid-fixed-status", "fixed response status \(fixed.status) is not in 200...599; the rule is dropped", at: location)])
            }
            return (.fixedResponse(status: fixed.status, body: Array(fixed.body.utf8), contentType: fixed.contentType), [])
        }
    }

    /// Keeps the first rule of each host + path + type; later ones are dropped with an
    /// error naming the first one's location.
    static func removeDuplicates(_ rules: [CompiledRule]) -> ([CompiledRule], [Diagnostic]) {
        var kept: [CompiledRule] = []
        var diagnostics: [Diagnostic] = []
        var first: [CompiledRule.Identity: SourceLocation] = [:]
        for rule in rules {
            if let earlier = first[rule.identity] {
                let route = rule.route
                diagnostics.append(.error("duplicate-route", "\(route.match.rawValue) path '\(route.path)' for host '\(route.host ?? "*")' is already defined at \(earlier); this rule is dropped", at: route.location))
                continue
            }
            first[rule.identity] = rule.route.location
            kept.append(rule)
        }
        return (kept, diagnostics)
    }

    /// Upstreams that no surviving rule proxies to.
    /// Upstreams no rule names. A rule dropped for another fault still counts as naming
    /// its upstream, so one mistake is not reported twice.
    static func unusedUpstreams(_ configs: [UpstreamConfig], routes: [RouteConfig]) -> [Diagnostic] {
        var named = Set<String>()
        for route in routes {
            for rule in route.paths { if case .proxy(let name) = rule.action { named.insert(name) } }
            // The services of external auth are upstreams too (`addExternalAuthUpstreams`).
            for auth in [route.settings.externalAuth] + route.paths.map(\.settings.externalAuth) {
                if let auth, case .success(let url) = ExternalAuthURL.parse(auth.url), let name = url.upstreamName { named.insert(name) }
            }
            for backend in [route.settings.errorBackend] + route.paths.map(\.settings.errorBackend) {
                if let backend, backend.enabled { named.insert(backend.upstream) }
            }
            for canary in [route.settings.canary] + route.paths.map(\.settings.canary) {
                if let canary, canary.enabled { named.insert(canary.upstream) }
            }
        }
        var reported = Set<String>()
        var diagnostics: [Diagnostic] = []
        for upstream in configs where !named.contains(upstream.name) && reported.insert(upstream.name).inserted {
            diagnostics.append(.warning("unused-upstream", "upstream '\(upstream.name)' is not used by any route", at: upstream.location))
        }
        return diagnostics
    }
}
