extension RouteTable {
    /// The table as JSON for the admin `/routes` endpoint and `apus validate --format json`:
    /// listeners, admin, hosts in lookup order with their routes in precedence order,
    /// upstreams, limits, timeouts and the compiler's diagnostics.
    public func renderJSON(generation: UInt64, diagnostics: [Diagnostic]) -> String {
        var json = JSONWriter()
        json.object { json in
            json.field("generation", generation)
            json.key("workers")
            switch workers {
            case .auto: json.string("auto")
            case .count(let n): json.int(n)
            }
            json.field("idleNaps", idleNaps)
            json.key("listeners")
            json.array { json in
                for listener in listeners {
                    json.object { json in
                        json.field("name", listener.name)
                        json.field("address", listener.address.description)
                        if let tls = listener.tls {
                            // File names only: a key's content never leaves the process.
                            json.key("tlsCertificates")
                            json.array { json in
                                for certificate in tls.certificates { json.string(certificate.certificateFile) }
                            }
                        }
                    }
                }
            }
            json.field("admin", admin?.description)
            json.key("hosts")
            json.array { json in
                for entry in hosts.entries { renderHost(entry, into: &json) }
            }
            json.key("upstreams")
            json.array { json in
                for upstream in upstreams { renderUpstream(upstream, into: &json) }
            }
            json.key("limits")
            renderLimits(into: &json)
            json.key("timeouts")
            renderTimeouts(into: &json)
            json.key("diagnostics")
            Diagnostic.render(diagnostics, into: &json)
        }
        return json.text
    }

    private func renderHost(_ entry: HostRoutes, into json: inout JSONWriter) {
        json.object { json in
            json.field("host", entry.host)
            json.key("routes")
            json.array { json in
                for index in entry.precedence { renderRoute(index, into: &json) }
            }
        }
    }

    private func renderRoute(_ index: Int, into json: inout JSONWriter) {
        let route = routes[index]
        json.object { json in
            json.field("index", index)
            json.field("label", route.label)
            json.field("path", route.path)
            json.field("type", route.match.rawValue)
            if route.match == .regex {
                json.field("regexFlavor", route.regexFlavor == .fullMatch ? "fullMatch" : "nginxCompatible")
            }
            json.key("action")
            renderAction(route.action, into: &json)
            switch route.action {
            case .proxy, .staticFiles:
                json.key("compression")
                renderCompression(route.compression, into: &json)
            case .redirect, .fixedResponse:
                break
            }
            // Only when set, so tables without them read as before.
            if let rewrite = route.rewrite { json.field("rewrite", rewrite.template) }
            if let limit = route.maxBodyBytes { json.field("maxBodyBytes", limit) }
            if let redirect = route.httpsRedirect {
                json.key("httpsRedirect")
                json.object { json in
                    json.field("status", redirect.status)
                    json.field("port", redirect.port ?? 443)
                }
            }
            if let hsts = route.hstsValue { json.field("hsts", hsts) }
            if let access = route.accessList {
                if let allow = access.allow {
                    json.key("allow")
                    json.array { json in for range in allow { json.string(range.text) } }
                }
                json.key("deny")
                json.array { json in for range in access.deny { json.string(range.text) } }
            }
            if let auth = route.basicAuth {
                // The users' source and count; never a name or a hash.
                json.key("basicAuth")
                json.object { json in
                    json.field("realm", auth.realm)
                    json.field("users", auth.origin)
                    json.field("userCount", auth.users.count)
                }
            }
            if let cors = route.cors?.config {
                json.key("cors")
                json.object { json in
                    json.key("allowOrigins")
                    json.array { json in for origin in cors.allowOrigins { json.string(origin) } }
                    json.field("allowMethods", cors.allowMethods)
                    json.field("allowHeaders", cors.allowHeaders)
                    json.field("exposeHeaders", cors.exposeHeaders)
                    json.field("allowCredentials", cors.allowCredentials)
                    json.field("maxAge", cors.maxAgeSeconds)
                }
            }
            if let auth = route.externalAuth?.config {
                json.key("externalAuth")
                json.object { json in
                    json.field("url", auth.url)
                    if let method = auth.method { json.field("method", method) }
                    if let signin = auth.signin { json.field("signin", signin) }
                    json.key("responseHeaders")
                    json.array { json in for name in auth.responseHeaders { json.string(name) } }
                    if let key = auth.cacheKey { json.field("cacheKey", key) }
                    if let duration = auth.cacheDuration { json.field("cacheDuration", duration) }
                }
            }
            if let backend = route.errorBackend?.config {
                json.key("errorBackend")
                json.object { json in
                    json.field("upstream", backend.upstream)
                    json.key("statuses")
                    json.array { json in for status in backend.statuses { json.int(status) } }
                }
            }
            if let canary = route.canary?.config {
                json.key("canary")
                json.object { json in
                    json.field("upstream", canary.upstream)
                    if let header = canary.header { json.field("header", header) }
                    if let value = canary.headerValue { json.field("headerValue", value) }
                    if let pattern = canary.headerPattern { json.field("headerPattern", pattern) }
                    if let cookie = canary.cookie { json.field("cookie", cookie) }
                    json.field("weight", canary.weight)
                    json.field("weightTotal", canary.weightTotal)
                }
            }
            if let rules = route.requestHeaderRules {
                json.key("requestHeaders")
                rules.render(into: &json)
            }
            if let rules = route.responseHeaderRules {
                json.key("responseHeaders")
                rules.render(into: &json)
            }
        }
    }

    private func renderCompression(_ policy: CompressionPolicy?, into json: inout JSONWriter) {
        json.object { json in
            json.field("gzip", policy != nil)
            guard let policy else { return }
            json.field("level", policy.level)
            json.field("minLength", policy.minLength)
            json.key("types")
            json.array { json in
                for range in policy.types.ranges { json.string(range.description) }
            }
        }
    }

    private func renderAction(_ action: CompiledAction, into json: inout JSONWriter) {
        json.object { json in
            switch action {
            case .proxy(let upstream):
                json.field("type", "proxy")
                json.field("upstream", upstreams[upstream].name)
            case .staticFiles(let files):
                json.field("type", "static")
                json.field("root", files.root)
                json.field("index", files.index)
                if let fallback = files.fallback { json.field("fallback", fallback) }
            case .redirect(let redirect):
                json.field("type", "redirect")
                json.field("status", redirect.status)
                json.field("scheme", redirect.scheme)
                json.field("host", redirect.host)
                json.field("path", redirect.path)
            case .fixedResponse(let status, let body, let contentType):
                json.field("type", "fixed")
                json.field("status", status)
                json.field("contentType", contentType)
                json.field("bodyBytes", body.count)
            }
        }
    }

    private func renderUpstream(_ upstream: CompiledUpstream, into json: inout JSONWriter) {
        json.object { json in
            json.field("name", upstream.name)
            json.key("endpoints")
            json.array { json in
                for endpoint in upstream.endpoints {
                    json.string(endpoint.resolvedFrom.map { "\(endpoint.description) (\($0))" } ?? endpoint.description)
                }
            }
            json.field("policy", upstream.balance.rawValue)
            if let affinity = upstream.keyed?.affinity {
                json.key("affinity")
                json.object { json in
                    json.field("cookie", affinity.cookieName)
                    json.field("mode", affinity.mode.rawValue)
                    json.field("path", affinity.path)
                    json.field("domain", affinity.domain)
                    if let seconds = affinity.maxAgeSeconds { json.field("maxAgeSeconds", seconds) }
                    if let seconds = affinity.expiresSeconds { json.field("expiresSeconds", seconds) }
                    json.field("sameSite", affinity.sameSite?.rawValue)
                    if let secure = affinity.secure { json.field("secure", secure) }
                    if affinity.conditionalSameSiteNone { json.field("conditionalSameSiteNone", true) }
                    if affinity.changeOnFailure { json.field("changeOnFailure", true) }
                }
            }
            if let hash = upstream.keyed?.hash {
                json.field("hashBy", hash.key.written)
                if let size = hash.subsetSize { json.field("hashSubsetSize", size) }
            }
            json.field("connectTimeoutMs", upstream.connectTimeoutMilliseconds)
            json.field("readTimeoutMs", upstream.readTimeoutMilliseconds)
            json.field("sendTimeoutMs", upstream.sendTimeoutMilliseconds)
            if upstream.failures.retryNonIdempotent { json.field("retryNonIdempotent", true) }
            if upstream.failures.ignoreClientAbort { json.field("ignoreClientAbort", true) }
            json.key("keepAlive")
            json.object { json in
                json.field("maxIdle", upstream.keepAlive.maxIdle)
                json.field("idleTimeoutMs", upstream.keepAlive.idleTimeoutMilliseconds)
            }
            if let tls = upstream.tls {
                json.key("tls")
                json.object { json in
                    json.field("ca", tls.caFile)
                    json.field("serverName", tls.serverName)
                    json.field("verify", tls.verify)
                    json.field("clientCertificate", tls.clientCertificate?.certificateFile)
                }
            }
        }
    }

    private func renderLimits(into json: inout JSONWriter) {
        json.object { json in
            json.field("maxHeadBytes", limits.maxHeadBytes)
            json.field("maxHeaderCount", limits.maxHeaderCount)
            json.field("maxURIBytes", limits.maxURIBytes)
            json.field("maxBodyBytes", limits.maxBodyBytes)
        }
    }

    private func renderTimeouts(into json: inout JSONWriter) {
        json.object { json in
            json.field("headerReadMs", timeouts.headerRead)
            json.field("keepAliveIdleMs", timeouts.keepAliveIdle)
            json.field("upstreamConnectMs", timeouts.upstreamConnect)
            json.field("upstreamReadMs", timeouts.upstreamRead)
            json.field("upstreamSendMs", timeouts.upstreamSend)
            json.field("drainMs", timeouts.drain)
            json.field("tlsHandshakeMs", timeouts.tlsHandshake)
            json.field("tunnelIdleMs", timeouts.tunnelIdle)
        }
    }
}
