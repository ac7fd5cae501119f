import ApusCore

extension TranslationState {
    /// Claims every path of one accepted Ingress.
    mutating func addRules(of ingress: Ingress, annotations: IngressAnnotations, nginxRegexHosts: Set<String>) {
        let owner = ingress.reference
        for (ruleIndex, rule) in ingress.rules.enumerated() {
            let hostWideRegex = nginxRegexHosts.contains(IngressTranslator.hostKey(rule.host))
            // The handshake picks a client-certificate policy by server name: a rule without
            // a host could not be held to it, so it is not served at all.
            if annotations.clientCertificates != nil && rule.host == nil {
                report(.error("client-certificates-without-host", "spec.rules[\(ruleIndex)] has no host, and auth-tls-secret needs one (the TLS handshake picks the policy by server name); its paths are dropped", at: owner.location), for: owner)
                continue
            }
            if let appRoot = annotations.appRoot {
                // ingress-nginx: `if ($uri = /) { return 302 $scheme://$http_host<app-root>; }`.
                var root = PathRuleConfig(path: "/", match: .exact, action: .redirect(RedirectConfig(status: 302, path: appRoot)), location: owner.location)
                applyRequestSettings(annotations, basicAuth: basicAuthConfigs[owner], of: ingress, host: rule.host, to: &root)
                applyConfigMapHeaders(of: owner, to: &root)
                _ = claim(host: rule.host, rule: root, owner: owner)
            }
            for (pathIndex, path) in rule.paths.enumerated() {
                let field = "spec.rules[\(ruleIndex)].http.paths[\(pathIndex)]"
                let action: RouteAction
                if let redirect = annotations.redirect {
                    // The backend is never reached (ingress-nginx returns before proxying).
                    action = .redirect(redirect)
                } else {
                    guard let upstream = upstream(for: path.backend, of: ingress, annotations: annotations, field: field) else { continue }
                    action = .proxy(upstream: upstream)
                }
                let (text, match, flavor) = Self.pathMatch(path, pathLocalRegex: annotations.regex == .pathLocal, hostWideRegex: hostWideRegex)
                var config = PathRuleConfig(path: text, match: match, regexFlavor: flavor, action: action, location: owner.location)
                config.rewrite = annotations.rewriteTarget
                if let problem = RouteTableCompiler.rewriteProblem(config) {
                    // Served without the rewrite would be half-applied: the path is dropped.
                    report(.error("invalid-rewrite", "\(field) (\(config.match.rawValue) '\(text)'): \(problem); the path is dropped", at: owner.location), for: owner)
                    continue
                }
                applyRequestSettings(annotations, basicAuth: basicAuthConfigs[owner], of: ingress, host: rule.host, to: &config)
                applyConfigMapHeaders(of: owner, to: &config)
                if annotations.redirect == nil { config.settings.errorBackend = errorBackend(of: ingress, annotations, service: path.backend) }
                guard claim(host: rule.host, rule: config, owner: owner, canaryKey: Self.canaryKey(host: rule.host, path)) else { continue }
                let main = claims.count - 1
                // server-alias: the same rule under each alias (ingress-nginx's extra
                // server_name); a name the rules already serve keeps its own rules.
                if rule.host != nil {
                    for alias in annotations.serverAliases where !isClaimed(host: alias, match: config.match, key: config.path) {
                        if claim(host: alias, rule: config, owner: owner) { claims[main].aliasCopies.append(claims.count - 1) }
                    }
                }
            }
        }
    }

    /// from-to-www-redirect: for each host `H` of such an Ingress, requests for `www.H` (or
    /// for `H` when the rule names `www.H`) get 308 to the same URL on the named host, as
    /// ingress-nginx's redirect servers; a name some rule serves is left alone. The name is
    /// served over TLS as its own when its host is (ingress-nginx gives it the host's
    /// certificate), so it gets `--hsts` too.
    mutating func addWWWRedirects(_ accepted: [(Ingress, IngressAnnotations)]) {
        for (ingress, annotations) in accepted where annotations.wwwRedirect {
            for rule in ingress.rules {
                guard let host = rule.host?.lowercased(), !host.hasPrefix("*.") else { continue }
                let other = host.hasPrefix("www.") ? String(host.dropFirst(4)) : "www." + host
                guard !hostOrder.contains(IngressTranslator.hostKey(other)) else { continue }
                let redirect = PathRuleConfig(path: "/", match: .prefix, action: .redirect(RedirectConfig(status: 308, host: host)),
                                              location: ingress.reference.location)
                _ = claim(host: other, rule: redirect, owner: ingress.reference)
                if hostsServedOverTLS.contains(IngressTranslator.hostKey(host)) { hostsServedOverTLS.insert(IngressTranslator.hostKey(other)) }
            }
        }
    }

    /// The body limit, the access list, basic auth and the redirect to HTTPS of an Ingress,
    /// on one of its paths.
    ///
    /// The redirect (308, as ingress-nginx sends) is on by default for the hosts served over
    /// TLS as their own (`findHostsServedOverTLS`, whichever Ingress made them so) and off
    /// for the others, which have no certificate of theirs to be redirected to;
    /// `ssl-redirect: "false"` turns it off, `force-ssl-redirect: "true"` turns it on for
    /// every host (TLS ended before Apus). The same in both dialects.
    func applyRequestSettings(_ annotations: IngressAnnotations, basicAuth: BasicAuthConfig?, of ingress: Ingress, host: String?,
                                     to rule: inout PathRuleConfig) {
        rule.maxBodyBytes = annotations.maxBodyBytes
        rule.settings.basicAuth = basicAuth
        rule.settings.cors = annotations.cors
        rule.settings.externalAuth = annotations.externalAuth
        rule.settings.accessLog = annotations.accessLog
        if var limit = annotations.rateLimit {
            // Every path of the Ingress counts against the same limits, as in ingress-nginx.
            limit.zone = "Ingress \(ingress.metadata.namespace)/\(ingress.metadata.name)"
            rule.settings.rateLimit = limit
        }
        var upstreamFields: [HeaderValueRule] = []
        if let host = annotations.upstreamHost { upstreamFields.append(HeaderValueRule(name: "Host", value: .literal(host))) }
        if let prefix = annotations.forwardedPrefix { upstreamFields.append(HeaderValueRule(name: "X-Forwarded-Prefix", value: .literal(prefix))) }
        let request = upstreamFields.isEmpty ? annotations.snippetRequestRules : HeaderRulesConfig(set: upstreamFields).overriding(annotations.snippetRequestRules)
        if let request, !request.isEmpty { rule.settings.requestHeaders = request }
        if let response = annotations.snippetResponseRules, !response.isEmpty { rule.settings.responseHeaders = response }
        if annotations.allowSourceRange != nil || annotations.denySourceRange != nil {
            rule.settings.accessList = AccessListConfig(
                allow: annotations.allowSourceRange, deny: annotations.denySourceRange, location: ingress.reference.location)
        }
        let servedOverTLS = host != nil && hostsServedOverTLS.contains(IngressTranslator.hostKey(host))
        if annotations.forceSSLRedirect || (servedOverTLS && annotations.sslRedirect != false) {
            rule.settings.httpsRedirect = HTTPSRedirectConfig(
                enabled: true, status: 308, stripsTrailingSlash: annotations.stripsTrailingSlash, location: ingress.reference.location)
        }
    }

    /// The path, match kind and regex flavour of one Ingress path.
    ///
    /// Exact stays Exact. Under ingress-nginx's host-wide use-regex, Prefix and
    /// ImplementationSpecific paths become case-insensitive start-anchored regexes (as
    /// ingress-nginx writes `location ~* ^/path`). Under apus.dev/use-regex only
    /// ImplementationSpecific paths become (whole-path, case-sensitive) regexes.
    /// Otherwise ImplementationSpecific is Prefix.
    static func pathMatch(_ path: IngressPath, pathLocalRegex: Bool, hostWideRegex: Bool) -> (String, PathMatchKind, RegexFlavor) {
        let text = path.path.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        switch path.pathType {
        case .exact:
            return (text, .exact, .fullMatch)
        case .prefix:
            return hostWideRegex ? (text, .regex, .nginxCompatible) : (text, .prefix, .fullMatch)
        case .implementationSpecific:
            if hostWideRegex { return (text, .regex, .nginxCompatible) }
            if pathLocalRegex { return (text, .regex, .fullMatch) }
            return (text, .prefix, .fullMatch)
        }
    }

    /// `spec.defaultBackend` serves what no rule matches. Hosts do not fall through in
    /// Apus (a request for a host with no matching path is 404), so the default backend is
    /// written as `Prefix /` on every host that has no `/` of its own: the host's oldest
    /// Ingress with a defaultBackend provides it, else the cluster-wide catch-all. The
    /// catch-all (requests for hosts no rule names) is the oldest Ingress's defaultBackend.
    mutating func addDefaultBackends(_ accepted: [(Ingress, IngressAnnotations)], options: IngressTranslationOptions) {
        let withDefault = accepted.filter { $0.0.defaultBackend != nil }
        guard let (global, globalAnnotations) = withDefault.first else {
            addServiceDefaultBackend(options)
            return
        }
        var hostDefaults: [String: (Ingress, IngressAnnotations)] = [:]
        for (ingress, annotations) in withDefault {
            for rule in ingress.rules where hostDefaults[IngressTranslator.hostKey(rule.host)] == nil {
                hostDefaults[IngressTranslator.hostKey(rule.host)] = (ingress, annotations)
            }
        }
        for (ingress, _) in withDefault.dropFirst() where ingress.rules.isEmpty {
            report(.warning("default-backend-shadowed", "spec.defaultBackend is not served: \(global.reference), which is older (or first by namespace/name), provides the catch-all default backend", at: ingress.reference.location), for: ingress.reference)
        }
        // The catch-all host first, then every host rules created.
        for hostKey in ["*"] + hostOrder where !isClaimed(host: hostKey, match: .prefix, key: "/") {
            let (ingress, annotations) = hostDefaults[hostKey] ?? (global, globalAnnotations)
            guard let backend = ingress.defaultBackend,
                  let upstream = upstream(for: backend, of: ingress, annotations: annotations, field: "spec.defaultBackend") else { continue }
            var rule = PathRuleConfig(path: "/", match: .prefix, action: .proxy(upstream: upstream), location: ingress.reference.location)
            // Not rewritten: ingress-nginx rewrites rule paths only, never the default backend.
            applyRequestSettings(
                annotations, basicAuth: basicAuthConfigs[ingress.reference], of: ingress,
                host: hostKey == "*" ? nil : hostNames[hostKey] ?? nil, to: &rule)
            rule.settings.errorBackend = errorBackend(of: ingress, annotations, service: backend)
            applyConfigMapHeaders(of: ingress.reference, to: &rule)
            let host = hostKey == "*" ? nil : hostNames[hostKey] ?? nil
            // ingress-nginx makes the default backend the host's `/` location, which a
            // canary of `/` (Prefix) joins.
            _ = claim(host: host, rule: rule, owner: ingress.reference,
                      canaryKey: Self.canaryKey(host: host, IngressPath(path: "/", pathType: .prefix, backend: backend)))
        }
    }
}
