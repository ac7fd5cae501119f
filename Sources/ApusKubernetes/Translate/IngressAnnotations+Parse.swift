import ApusCore

extension IngressAnnotations {
    enum Dialect: Equatable {
        case apus
        case nginx

        var prefix: String { self == .apus ? IngressAnnotations.apusPrefix : IngressAnnotations.nginxPrefix }
    }

    /// The dialect and feature name of an annotation key under one of our prefixes; nil for
    /// other tools' keys.
    static func feature(of key: String) -> (Dialect, String)? {
        if key.hasPrefix(apusPrefix) { return (.apus, String(key.dropFirst(apusPrefix.count))) }
        if key.hasPrefix(nginxPrefix) { return (.nginx, String(key.dropFirst(nginxPrefix.count))) }
        return nil
    }

    /// Reads the annotations of one Ingress. Nil when any of ours cannot be honoured; the
    /// diagnostics say which and why.
    static func parse(_ annotations: [String: String], at location: SourceLocation) -> (IngressAnnotations?, [Diagnostic]) {
        var result = IngressAnnotations()
        var diagnostics: [Diagnostic] = []
        var refused = false
        // apus.dev first, so that an nginx name repeating a feature can be reported against it.
        var seen: [String: String] = [:]
        // Basic auth takes up to four annotations; put together after the loop.
        var authType: (key: String, value: String)?
        var authSecretType: (key: String, value: String)?
        var authRealm: String?
        // CORS too: `enable-cors` and the `cors-*` values it takes.
        var corsValues: [String: (key: String, value: String, dialect: Dialect)] = [:]
        // External auth: `auth-url` and the values that go with it.
        var externalAuthValues: [String: (key: String, value: String)] = [:]
        // Client certificates: `auth-tls-secret` and the values that go with it.
        var clientCertificateValues: [String: (key: String, value: String)] = [:]
        // And redirects: a URL and its code, the temporary one winning as in ingress-nginx.
        var redirectValues: [String: (key: String, value: String)] = [:]
        // Canary: `canary` and the `canary-*` values that go with it.
        var canaryValues: [String: (key: String, value: String)] = [:]
        // Affinity and consistent hashing: a switch and the values that go with it.
        var affinityValues: [String: (key: String, value: String, dialect: Dialect)] = [:]
        var hashValues: [String: (key: String, value: String)] = [:]
        var limitValues: [String: (key: String, value: String)] = [:]
        let ours = annotations.compactMap { key, value -> (Dialect, String, String, String)? in
            feature(of: key).map { ($0.0, $0.1, key, value) }
        }.sorted { ($0.0 == .apus ? 0 : 1, $0.1) < ($1.0 == .apus ? 0 : 1, $1.1) }

        for (dialect, feature, key, value) in ours {
            func refuse(_ code: String, _ why: String) {
                diagnostics.append(.error(code, "annotation \(key): \(why); the Ingress is not served", at: location))
                refused = true
            }
            if dialect == .nginx && snippets.contains(feature) {
                // Read as data for its header directives; never executed or spliced.
                guard feature == "configuration-snippet" || feature == "server-snippet" else {
                    refuse("snippet-not-supported", "raw nginx text for \(feature == "auth-snippet" ? "the external-auth request" : feature == "stream-snippet" ? "TCP and UDP streams" : "ModSecurity"), which Apus does not read (see \(NginxAnnotationSupport.documentPath))")
                    continue
                }
                switch NginxSnippet.headerRules(value) {
                case .success(let rules):
                    result.snippetRequestRules = rules.request.overriding(result.snippetRequestRules)
                    result.snippetResponseRules = rules.response.overriding(result.snippetResponseRules)
                case .failure(let problem):
                    refuse("snippet-not-supported", "\(problem.message); the snippet is read only for header directives (more_set_headers, add_header, proxy_set_header, more_clear_headers)")
                }
                continue
            }
            if dialect == .nginx, let reason = NginxAnnotationSupport.noEffectReason(feature) {
                diagnostics.append(.warning("annotation-without-effect", "annotation \(key) is accepted and has no effect: \(reason)", at: location))
                continue
            }
            let feature = dialect == .nginx ? nginxFeatureNames[feature] ?? feature : feature
            if let earlier = seen[feature] {
                diagnostics.append(.warning("annotation-repeated", "annotation \(key) repeats \(earlier), which is used", at: location))
                continue
            }
            seen[feature] = key
            switch feature {
            case "use-regex":
                guard let on = boolean(value) else { refuse("invalid-annotation", "'\(value)' is not true or false"); continue }
                if on { result.regex = dialect == .apus ? .pathLocal : .nginxHostWide }
            case "backend-protocol":
                switch value.uppercased() {
                case "HTTP": break
                case "HTTPS": result.upstreamTLS = dialect == .apus ? .verified : .unverified
                case "GRPC": result.upstreamHTTP2 = true
                case "GRPCS":
                    result.upstreamHTTP2 = true
                    result.upstreamTLS = dialect == .apus ? .verified : .unverified
                case "AUTO_HTTP", "FCGI":
                    refuse("annotation-not-supported", "backend protocol \(value) is not supported (HTTP, HTTPS, GRPC and GRPCS are)")
                default:
                    refuse("invalid-annotation", "'\(value)' is not HTTP, HTTPS, GRPC or GRPCS")
                }
            case "proxy-connect-timeout", "proxy-read-timeout", "proxy-send-timeout":
                guard let milliseconds = dialect == .apus ? duration(value) : unitlessSeconds(value) else {
                    refuse("invalid-annotation", dialect == .apus
                        ? "'\(value)' is not a positive duration with a unit (500ms, 5s, 2m)"
                        : "'\(value)' is not a positive whole number of seconds")
                    continue
                }
                switch feature {
                case "proxy-connect-timeout": result.connectTimeoutMilliseconds = milliseconds
                case "proxy-read-timeout": result.readTimeoutMilliseconds = milliseconds
                default: result.sendTimeoutMilliseconds = milliseconds
                }
            case "load-balance":
                switch value.trimmingSpaces {
                case "round_robin": result.balance = .roundRobin
                case "least_conn" where dialect == .apus: result.balance = .leastConnections
                case "ewma": result.balance = .ewma
                default:
                    refuse("invalid-annotation", dialect == .apus ? "'\(value)' is not round_robin, least_conn or ewma" : "'\(value)' is not round_robin or ewma")
                }
            case "ssl-redirect", "force-ssl-redirect":
                guard let on = boolean(value) else { refuse("invalid-annotation", "'\(value)' is not true or false"); continue }
                if feature == "ssl-redirect" { result.sslRedirect = on } else { result.forceSSLRedirect = on }
            case "rewrite-target":
                // The group numbers are checked against each path's regex by the compiler;
                // everything else about the template is checked here, so that a bad one
                // refuses the Ingress instead of dropping its paths one by one.
                do {
                    _ = try CompiledRewrite(template: value, captureCount: 9)
                } catch {
                    refuse("invalid-annotation", "'\(value)' \(error.explanation)")
                    continue
                }
                result.rewriteTarget = value
                // ingress-nginx: rewrite-target implies use-regex for the host.
                if dialect == .nginx { result.regex = .nginxHostWide }
            case "proxy-body-size":
                // The config file's notation, which is nginx's: `8m`, `512k`, `1g`, bare bytes.
                guard let bytes = ConfigQuantity.sizeBytes(value.trimmingSpaces) else {
                    refuse("invalid-annotation", "'\(value)' is not a size (a number of bytes, optionally with k, m or g; 0 = unlimited)")
                    continue
                }
                result.maxBodyBytes = bytes
            case "allow-source-range", "deny-source-range":
                // ingress-nginx drops entries it cannot parse as long as one parses, which
                // can open a location wider than meant: here any bad entry refuses the Ingress.
                let entries = value.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
                guard !entries.isEmpty else { refuse("invalid-annotation", "names no address or network"); continue }
                if let bad = entries.lazy.compactMap({ entry -> String? in
                    guard case .failure(let problem) = AddressRange.parse(entry) else { return nil }
                    return "'\(entry)' \(problem.explanation)"
                }).first {
                    refuse("invalid-annotation", bad)
                    continue
                }
                if feature == "allow-source-range" { result.allowSourceRange = entries } else { result.denySourceRange = entries }
            case "basic-auth-secret":
                guard let name = objectName(value) else {
                    refuse("invalid-annotation", "'\(value)' is not a Secret name (NAME or NAMESPACE/NAME)")
                    continue
                }
                result.basicAuth = BasicAuthAnnotation(secret: name)
            case "basic-auth-realm":
                authRealm = value
            case "enable-cors", "cors-allow-origin", "cors-allow-methods", "cors-allow-headers", "cors-expose-headers",
                 "cors-allow-credentials", "cors-max-age":
                corsValues[feature] = (key, value, dialect)
            case "auth-url", "auth-method", "auth-signin", "auth-signin-redirect-param", "auth-response-headers", "auth-request-redirect",
                 "auth-cache-key", "auth-cache-duration", "auth-always-set-cookie", "auth-proxy-set-headers":
                externalAuthValues[feature] = (key, value)
            case "permanent-redirect", "permanent-redirect-code", "temporal-redirect", "temporal-redirect-code":
                redirectValues[feature] = (key, value)
            case "app-root":
                let path = value.trimmingSpaces
                guard path.hasPrefix("/"), path.count > 1, path.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "?" && $0 != "#" }) else {
                    refuse("invalid-annotation", "'\(value)' is not a path such as /app (it must start with '/', without spaces, query or fragment)")
                    continue
                }
                result.appRoot = path
            case "proxy-next-upstream":
                // nginx's list of conditions. Apus always moves on after an error or a
                // timeout before any answer; `off` stops that, `non_idempotent` extends it
                // to POST and PATCH; status conditions are not retried (named in a warning).
                let conditions = value.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
                var policy = result.failures ?? UpstreamFailurePolicy()
                var ignored: [String] = []
                for condition in conditions {
                    switch condition {
                    case "error", "timeout": break
                    case "off": policy.maxTries = 1
                    case "non_idempotent": policy.retryNonIdempotent = true
                    case "invalid_header", "http_500", "http_502", "http_503", "http_504", "http_403", "http_404", "http_429": ignored.append(condition)
                    default:
                        refuse("invalid-annotation", "'\(condition)' is not a proxy_next_upstream condition")
                    }
                }
                if refused { continue }
                if !ignored.isEmpty {
                    diagnostics.append(.warning("annotation-approximated", "annotation \(key): Apus retries after errors and timeouts before any answer, not after \(ignored.joined(separator: ", "))", at: location))
                }
                result.failures = policy
            case "proxy-next-upstream-tries":
                guard let tries = Int(value.trimmingSpaces), (0...64).contains(tries) else {
                    refuse("invalid-annotation", "'\(value)' is not a number of tries from 0 (every endpoint) to 64")
                    continue
                }
                var policy = result.failures ?? UpstreamFailurePolicy()
                if policy.maxTries != 1 { policy.maxTries = tries }
                result.failures = policy
            case "proxy-next-upstream-timeout":
                guard let seconds = Int(value.trimmingSpaces), seconds >= 0, seconds <= 86_400 else {
                    refuse("invalid-annotation", "'\(value)' is not a whole number of seconds")
                    continue
                }
                var policy = result.failures ?? UpstreamFailurePolicy()
                policy.retryWindowMilliseconds = seconds * 1000
                result.failures = policy
            case "enable-access-log":
                guard let on = boolean(value) else { refuse("invalid-annotation", "'\(value)' is not true or false"); continue }
                result.accessLog = on
            case "upstream-vhost":
                let host = value.trimmingSpaces
                guard !host.isEmpty, host.utf8.allSatisfy({ HostNameBytes.allows($0) && $0 != UInt8(ascii: "_") }) else {
                    refuse("invalid-annotation", "'\(value)' is not a host name (with an optional :port)")
                    continue
                }
                result.upstreamHost = host
            case "x-forwarded-prefix":
                guard !value.isEmpty, value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) else {
                    refuse("invalid-annotation", "'\(value)' has a control or non-ASCII character")
                    continue
                }
                result.forwardedPrefix = value
            case "from-to-www-redirect":
                guard let on = boolean(value) else { refuse("invalid-annotation", "'\(value)' is not true or false"); continue }
                result.wwwRedirect = on
            case "server-alias":
                let names = value.split(separator: ",").map { String($0).trimmingSpaces.lowercased() }.filter { !$0.isEmpty }
                // A leading `*.` is a wildcard, as in an Ingress rule's host.
                if let bad = names.first(where: { name in
                    let bare = name.hasPrefix("*.") ? name.dropFirst(2) : Substring(name)
                    return bare.isEmpty || !bare.utf8.allSatisfy { HostNameBytes.allows($0) && $0 != UInt8(ascii: "_") && $0 != UInt8(ascii: ":") }
                }) {
                    refuse("invalid-annotation", "'\(bad)' is not a host name")
                    continue
                }
                result.serverAliases = names
            case "preserve-trailing-slash":
                guard let on = boolean(value) else { refuse("invalid-annotation", "'\(value)' is not true or false"); continue }
                result.stripsTrailingSlash = !on
            case "auth-tls-secret", "auth-tls-verify-client", "auth-tls-verify-depth", "auth-tls-error-page",
                 "auth-tls-pass-certificate-to-upstream", "auth-tls-match-cn":
                clientCertificateValues[feature] = (key, value)
            case "custom-headers":
                guard let name = objectName(value) else {
                    refuse("invalid-annotation", "'\(value)' is not a ConfigMap (NAME or NAMESPACE/NAME)")
                    continue
                }
                result.customHeaders = name
            case "custom-http-errors":
                var codes: [Int] = []
                for item in value.split(separator: ",") {
                    let text = String(item).trimmingSpaces
                    if text.isEmpty { continue }
                    guard let code = Int(text), ErrorBackendConfig.statusRange.contains(code) else {
                        refuse("invalid-annotation", "'\(text)' is not a status from 400 to 599")
                        break
                    }
                    codes.append(code)
                }
                result.customHTTPErrors = codes
            case "default-backend":
                let name = value.trimmingSpaces
                guard name.isServiceName else {
                    refuse("invalid-annotation", "'\(value)' is not the name of a Service (of the Ingress's namespace)")
                    continue
                }
                result.defaultBackend = name
            case "disable-proxy-intercept-errors":
                guard let on = boolean(value) else { refuse("invalid-annotation", "'\(value)' is not true or false"); continue }
                result.interceptsErrors = !on
            case _ where canaryFeatures.contains(feature):
                canaryValues[feature] = (key, value)
            case _ where affinityFeatures.contains(feature):
                affinityValues[feature] = (key, value, dialect)
            case _ where hashFeatures.contains(feature):
                hashValues[feature] = (key, value)
            case _ where limitFeatures.contains(feature):
                limitValues[feature] = (key, value)
            case "auth-type" where dialect == .nginx:
                authType = (key, value)
            case "auth-secret-type" where dialect == .nginx:
                authSecretType = (key, value)
            default:
                if dialect == .nginx, let entry = NginxAnnotationSupport.byName[feature] {
                    refuse("annotation-not-supported", "\(entry.note) (see \(NginxAnnotationSupport.documentPath))")
                } else {
                    refuse("unknown-annotation", "is not an annotation Apus knows (\(dialect == .apus ? "see the apus.dev/ annotations in README.md" : "see \(NginxAnnotationSupport.documentPath)"))")
                }
            }
        }
        if !refused, result.defaultBackend == nil, result.customHTTPErrors == nil, !result.interceptsErrors {
            diagnostics.append(.warning("annotation-without-effect", "annotation \(seen["disable-proxy-intercept-errors"] ?? "disable-proxy-intercept-errors") has no effect without custom-http-errors", at: location))
        }
        if !refused {
            refused = !assembleCORS(&result, corsValues, at: location, into: &diagnostics)
        }
        if !refused {
            refused = !assembleRedirect(&result, redirectValues, at: location, into: &diagnostics)
        }
        if !refused {
            refused = !assembleExternalAuth(&result, externalAuthValues, at: location, into: &diagnostics)
        }
        if !refused {
            refused = !assembleClientCertificates(&result, clientCertificateValues, at: location, into: &diagnostics)
        }
        if !refused {
            refused = !assembleCanary(&result, canaryValues, at: location, into: &diagnostics)
        }
        if !refused {
            refused = !assembleAffinity(&result, affinityValues, at: location, into: &diagnostics)
        }
        if !refused {
            refused = !assembleHash(&result, hashValues, at: location, into: &diagnostics)
        }
        if !refused {
            refused = !assembleRateLimit(&result, limitValues, at: location, into: &diagnostics)
        }
        if !refused {
            refused = !assembleBasicAuth(&result, type: authType, secretType: authSecretType, realm: authRealm, seen: seen,
                                         at: location, into: &diagnostics)
        }
        return (refused ? nil : result, diagnostics)
    }

    /// Checks that the basic-auth annotations make one whole: a Secret, and in
    /// ingress-nginx's dialect `auth-type: basic`. Where ingress-nginx serves a location
    /// without authentication because a piece is missing, Apus refuses the Ingress: a
    /// page meant to be protected is never served open.
    private static func assembleBasicAuth(
        _ result: inout IngressAnnotations, type: (key: String, value: String)?, secretType: (key: String, value: String)?,
        realm: String?, seen: [String: String], at location: SourceLocation, into diagnostics: inout [Diagnostic]
    ) -> Bool {
        func refuse(_ key: String, _ why: String) -> Bool { refusal(key, why, at: location, into: &diagnostics) }
        let secretKey = seen["basic-auth-secret"]
        let nginxSecret = secretKey?.hasPrefix(nginxPrefix) == true
        if let type {
            switch type.value.trimmingSpaces.lowercased() {
            case "basic": break
            case "digest": return refuse(type.key, "digest authentication is not supported (basic is)")
            default: return refuse(type.key, "'\(type.value)' is not basic")
            }
            guard secretKey != nil else { return refuse(type.key, "names no users; add \(nginxPrefix)auth-secret") }
        } else if nginxSecret, let secretKey {
            return refuse(secretKey, "needs \(nginxPrefix)auth-type: basic (ingress-nginx would serve the paths without authentication)")
        }
        if let secretType {
            switch secretType.value.trimmingSpaces {
            case "auth-file": break
            case "auth-map": result.basicAuth?.mapForm = true
            default: return refuse(secretType.key, "'\(secretType.value)' is not auth-file or auth-map")
            }
        }
        if result.basicAuth == nil {
            for key in [secretType?.key, seen["basic-auth-realm"]].compactMap({ $0 }) {
                diagnostics.append(.warning("annotation-without-effect", "annotation \(key) has no effect without a basic-auth Secret", at: location))
            }
        }
        if let realm { result.basicAuth?.realm = realm }
        return true
    }

    /// `auth-url` with the values that go with it. ingress-nginx ignores a bad sign-in URL
    /// or cache key with a log line; here any bad value refuses the Ingress and says why.
    private static func assembleExternalAuth(
        _ result: inout IngressAnnotations, _ values: [String: (key: String, value: String)],
        at location: SourceLocation, into diagnostics: inout [Diagnostic]
    ) -> Bool {
        guard let url = values["auth-url"] else {
            warnWithout("auth-url", values, at: location, into: &diagnostics)
            return true
        }
        var auth = ExternalAuthConfig(url: url.value.trimmingSpaces, location: location)
        auth.method = values["auth-method"]?.value.trimmingSpaces
        auth.signin = values["auth-signin"].map { $0.value.trimmingSpaces }.flatMap { $0.isEmpty ? nil : $0 }
        auth.signinRedirectParam = values["auth-signin-redirect-param"].map { $0.value.trimmingSpaces }.flatMap { $0.isEmpty ? nil : $0 }
        auth.responseHeaders = values["auth-response-headers"].map {
            $0.value.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        } ?? []
        auth.requestRedirect = values["auth-request-redirect"].map { $0.value.trimmingSpaces }.flatMap { $0.isEmpty ? nil : $0 }
        auth.cacheKey = values["auth-cache-key"].map { $0.value.trimmingSpaces }.flatMap { $0.isEmpty ? nil : $0 }
        auth.cacheDuration = values["auth-cache-duration"]?.value.trimmingSpaces
        if let always = values["auth-always-set-cookie"] {
            guard let on = boolean(always.value) else { return refusal(always.key, "'\(always.value)' is not true or false", at: location, into: &diagnostics) }
            auth.alwaysSetCookie = on
        }
        // The compiler's own check, so that the refusal names the annotation.
        let keys = ["url": "auth-url", "method": "auth-method", "signin": "auth-signin", "signin_redirect_param": "auth-signin-redirect-param",
                    "response_headers": "auth-response-headers", "request_redirect": "auth-request-redirect", "cache_key": "auth-cache-key",
                    "cache_duration": "auth-cache-duration"]
        if let problem = RouteTableCompiler.externalAuthProblems(auth).first {
            return refusal(problem, naming: keys, values, otherwise: url.key, at: location, into: &diagnostics)
        }
        if let fields = values["auth-proxy-set-headers"] {
            guard let name = objectName(fields.value) else {
                return refusal(fields.key, "'\(fields.value)' is not a ConfigMap (NAME or NAMESPACE/NAME)", at: location, into: &diagnostics)
            }
            result.authProxySetHeaders = name
        }
        result.externalAuth = auth
        return true
    }

    /// `enable-cors: "true"` with the `cors-*` values (ingress-nginx's defaults for what is
    /// not given; `cors-allow-credentials` defaults to true as there, and to false in the
    /// apus.dev dialect). ingress-nginx replaces a bad value by its default with a log
    /// line; here a bad value refuses the Ingress and names the value.
    private static func assembleCORS(
        _ result: inout IngressAnnotations, _ values: [String: (key: String, value: String, dialect: Dialect)],
        at location: SourceLocation, into diagnostics: inout [Diagnostic]
    ) -> Bool {
        func refuse(_ key: String, _ why: String) -> Bool { refusal(key, why, at: location, into: &diagnostics) }
        guard let enable = values["enable-cors"] else {
            for (_, entry) in values.sorted(by: { $0.key < $1.key }) {
                diagnostics.append(.warning("annotation-without-effect", "annotation \(entry.key) has no effect without \(entry.dialect.prefix)enable-cors: \"true\"", at: location))
            }
            return true
        }
        guard let enabled = boolean(enable.value) else { return refuse(enable.key, "'\(enable.value)' is not true or false") }
        guard enabled else { return true }
        var cors = CORSConfig(allowCredentials: enable.dialect == .nginx, location: location)
        if let origins = values["cors-allow-origin"] {
            let entries = origins.value.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
            guard !entries.isEmpty else { return refuse(origins.key, "names no origin") }
            if let problem = entries.lazy.compactMap(CORSConfig.originProblem).first { return refuse(origins.key, problem) }
            // ingress-nginx: a `*` anywhere in the list allows every origin.
            cors.allowOrigins = entries.contains("*") ? ["*"] : entries
        }
        func names(_ feature: String, allowStar: Bool) -> String?? {
            guard let entry = values[feature] else { return .some(nil) }
            guard CORSConfig.isNameList(entry.value, allowStar: allowStar), !entry.value.trimmingSpaces.isEmpty else {
                _ = refuse(entry.key, "'\(entry.value)' is not a comma-separated list of names")
                return nil
            }
            return .some(entry.value.trimmingSpaces)
        }
        guard let methods = names("cors-allow-methods", allowStar: false), let headers = names("cors-allow-headers", allowStar: true),
              let expose = names("cors-expose-headers", allowStar: true) else { return false }
        if let methods { cors.allowMethods = methods }
        if let headers { cors.allowHeaders = headers }
        if let expose { cors.exposeHeaders = expose }
        if let credentials = values["cors-allow-credentials"] {
            guard let allow = boolean(credentials.value) else { return refuse(credentials.key, "'\(credentials.value)' is not true or false") }
            cors.allowCredentials = allow
        }
        if let maxAge = values["cors-max-age"] {
            guard let seconds = Int(maxAge.value.trimmingSpaces), seconds >= 0 else {
                return refuse(maxAge.key, "'\(maxAge.value)' is not a whole number of seconds")
            }
            cors.maxAgeSeconds = seconds
        }
        result.cors = cors
        return true
    }

    /// `temporal-redirect` (302 unless its code says otherwise) or else `permanent-redirect`
    /// (301), as ingress-nginx picks them. ingress-nginx falls back to the default code when
    /// one is out of range; here a code that is not 301, 302, 303, 307 or 308 refuses the
    /// Ingress, as does a URL Apus cannot expand.
    private static func assembleRedirect(
        _ result: inout IngressAnnotations, _ values: [String: (key: String, value: String)],
        at location: SourceLocation, into diagnostics: inout [Diagnostic]
    ) -> Bool {
        func refuse(_ key: String, _ why: String) -> Bool { refusal(key, why, at: location, into: &diagnostics) }
        for (kind, defaultCode) in [("temporal-redirect", 302), ("permanent-redirect", 301)] {
            guard let url = values[kind] else { continue }
            if let problem = RedirectTemplate.problem(url.value.trimmingSpaces) { return refuse(url.key, problem) }
            var code = defaultCode
            if let written = values[kind + "-code"] {
                guard let value = Int(written.value.trimmingSpaces), [301, 302, 303, 307, 308].contains(value) else {
                    return refuse(written.key, "'\(written.value)' is not 301, 302, 303, 307 or 308")
                }
                code = value
            }
            if result.redirect == nil {
                result.redirect = RedirectConfig(status: code, url: url.value.trimmingSpaces)
            } else {
                diagnostics.append(.warning("annotation-without-effect", "annotation \(url.key) has no effect: the temporal redirect wins, as in ingress-nginx", at: location))
            }
        }
        for kind in ["temporal-redirect", "permanent-redirect"] where values[kind] == nil {
            if let code = values[kind + "-code"] {
                diagnostics.append(.warning("annotation-without-effect", "annotation \(code.key) has no effect without \(kind)", at: location))
            }
        }
        return true
    }

    /// The values of a feature whose main annotation is absent: each has no effect, and says so.
    static func warnWithout(_ main: String, _ values: [String: (key: String, value: String)], at location: SourceLocation,
                            into diagnostics: inout [Diagnostic]) {
        for (_, entry) in values.sorted(by: { $0.key < $1.key }) {
            diagnostics.append(.warning("annotation-without-effect", "annotation \(entry.key) has no effect without \(main)", at: location))
        }
    }

    /// A refusal for a compiler check's "KEY: why", naming the annotation `keys` maps KEY to
    /// (the feature's main annotation, `otherwise`, when none).
    static func refusal(_ problem: String, naming keys: [String: String], _ values: [String: (key: String, value: String)],
                        otherwise: String, at location: SourceLocation, into diagnostics: inout [Diagnostic]) -> Bool {
        let field = String(problem.prefix { $0 != ":" })
        let key = keys[field].flatMap { values[$0]?.key } ?? otherwise
        return refusal(key, String(problem.dropFirst(field.count + 2)), at: location, into: &diagnostics)
    }

    /// Records why an annotation refuses the Ingress; false, for `return refuse(...)`.
    static func refusal(_ key: String, _ why: String, at location: SourceLocation, into diagnostics: inout [Diagnostic]) -> Bool {
        diagnostics.append(.error("invalid-annotation", "annotation \(key): \(why); the Ingress is not served", at: location))
        return false
    }

    /// `NAME` or `NAMESPACE/NAME` of an object an annotation names, trimmed; nil when it is
    /// neither.
    static func objectName(_ value: String) -> String? {
        let name = value.trimmingSpaces
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ isObjectName(String($0)) }) else { return nil }
        return name
    }

    /// A Kubernetes object name (RFC 1123 subdomain).
    static func isObjectName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 253 && text.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E
        }
    }

    static func boolean(_ value: String) -> Bool? {
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: return nil
        }
    }

    /// ingress-nginx's form: `30` (seconds, no unit).
    private static func unitlessSeconds(_ value: String) -> Int? {
        guard let seconds = Int(value.trimmingSpaces), seconds > 0, seconds <= 86_400 * 7 else { return nil }
        return seconds * 1000
    }

    /// Apus's form: `500ms`, `30s`, `2m`, `1h`.
    static func duration(_ value: String) -> Int? {
        let text = value.trimmingSpaces
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard let amount = Int(digits), amount > 0 else { return nil }
        let factor: Int
        switch text.dropFirst(digits.count) {
        case "ms": factor = 1
        case "s": factor = 1000
        case "m": factor = 60_000
        case "h": factor = 3_600_000
        default: return nil
        }
        let (milliseconds, overflow) = amount.multipliedReportingOverflow(by: factor)
        return overflow || milliseconds > 7 * 86_400_000 ? nil : milliseconds
    }
}

extension String {
    /// A Service name: an RFC 1035 label (lowercase letters, digits and '-', starting with
    /// a letter, at most 63 bytes), as the API server requires.
    var isServiceName: Bool {
        let bytes = Array(utf8)
        let lower = UInt8(ascii: "a")...UInt8(ascii: "z")
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        guard let first = bytes.first, bytes.count <= 63, lower.contains(first), bytes.last != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { lower.contains($0) || digits.contains($0) || $0 == UInt8(ascii: "-") }
    }

    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
