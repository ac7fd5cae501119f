import ApusCore

/// `affinity: cookie` with the `session-cookie-*` values, and `upstream-hash-by` with its
/// subsets: the same names in both dialects. ingress-nginx falls back to a default on a
/// value it cannot read; here a bad value refuses the Ingress and says why.
extension IngressAnnotations {
    static let affinityFeatures: Set<String> = [
        "affinity", "affinity-mode", "affinity-canary-behavior", "session-cookie-name", "session-cookie-path", "session-cookie-domain",
        "session-cookie-max-age", "session-cookie-expires", "session-cookie-samesite", "session-cookie-secure",
        "session-cookie-conditional-samesite-none", "session-cookie-change-on-failure",
    ]
    static let hashFeatures: Set<String> = ["upstream-hash-by", "upstream-hash-by-subset", "upstream-hash-by-subset-size"]

    static func assembleAffinity(
        _ result: inout IngressAnnotations, _ values: [String: (key: String, value: String, dialect: Dialect)],
        at location: SourceLocation, into diagnostics: inout [Diagnostic]
    ) -> Bool {
        let plain = values.mapValues { (key: $0.key, value: $0.value) }
        guard let kind = values["affinity"] else {
            warnWithout("affinity: cookie", plain, at: location, into: &diagnostics)
            return true
        }
        func refuse(_ entry: (key: String, value: String, dialect: Dialect), _ why: String) -> Bool {
            refusal(entry.key, "'\(entry.value)' \(why)", at: location, into: &diagnostics)
        }
        guard kind.value.trimmingSpaces == "cookie" else { return refuse(kind, "is not cookie (the one affinity there is)") }
        var config = AffinityConfig(location: location)
        func text(_ feature: String) -> String? {
            values[feature].map { $0.value.trimmingSpaces }.flatMap { $0.isEmpty ? nil : $0 }
        }
        if let mode = values["affinity-mode"] {
            guard let parsed = AffinityConfig.Mode(rawValue: mode.value.trimmingSpaces) else { return refuse(mode, "is not balanced or persistent") }
            config.mode = parsed
        }
        if let behaviour = values["affinity-canary-behavior"], !["sticky", "legacy"].contains(behaviour.value.trimmingSpaces) {
            return refuse(behaviour, "is not sticky or legacy")
        }
        if let name = text("session-cookie-name") { config.cookieName = name }
        config.path = text("session-cookie-path")
        config.domain = text("session-cookie-domain")
        for (feature, keyPath) in [("session-cookie-max-age", \AffinityConfig.maxAgeSeconds), ("session-cookie-expires", \AffinityConfig.expiresSeconds)] {
            guard let entry = values[feature] else { continue }
            let text = entry.value.trimmingSpaces
            let seconds = entry.dialect == .apus
                ? ConfigQuantity.durationMilliseconds(text).flatMap { $0 >= 1000 ? $0 / 1000 : nil }
                : Int(text).flatMap { $0 >= 0 ? $0 : nil }
            guard let seconds else {
                return refuse(entry, entry.dialect == .apus ? "is not a duration of a second or more (30m, 720h)" : "is not a whole number of seconds")
            }
            config[keyPath: keyPath] = seconds
        }
        if let sameSite = values["session-cookie-samesite"] {
            guard let parsed = AffinityConfig.SameSite.allCases.first(where: { $0.rawValue.lowercased() == sameSite.value.trimmingSpaces.lowercased() }) else {
                return refuse(sameSite, "is not None, Lax or Strict")
            }
            config.sameSite = parsed
        }
        for (feature, keyPath) in [("session-cookie-conditional-samesite-none", \AffinityConfig.conditionalSameSiteNone),
                                   ("session-cookie-change-on-failure", \AffinityConfig.changeOnFailure)] {
            guard let entry = values[feature] else { continue }
            guard let on = boolean(entry.value.trimmingSpaces) else { return refuse(entry, "is not true or false") }
            config[keyPath: keyPath] = on
        }
        if let secure = values["session-cookie-secure"] {
            guard let on = boolean(secure.value.trimmingSpaces) else { return refuse(secure, "is not true or false") }
            // ingress-nginx drops a false (omitempty) and so sets Secure over HTTPS anyway.
            config.secure = on ? true : secure.dialect == .apus ? false : nil
        }
        // The compiler's own check, so that the refusal names the annotation.
        let keys = ["cookie": "session-cookie-name", "path": "session-cookie-path", "domain": "session-cookie-domain",
                    "max_age": "session-cookie-max-age", "expires": "session-cookie-expires"]
        if let problem = config.problems.first {
            return refusal(problem, naming: keys, plain, otherwise: kind.key, at: location, into: &diagnostics)
        }
        result.affinity = config
        return true
    }

    static func assembleHash(
        _ result: inout IngressAnnotations, _ values: [String: (key: String, value: String)],
        at location: SourceLocation, into diagnostics: inout [Diagnostic]
    ) -> Bool {
        guard let key = values["upstream-hash-by"] else {
            warnWithout("upstream-hash-by", values, at: location, into: &diagnostics)
            return true
        }
        let template: RequestTemplate
        switch RequestTemplate.parse(key.value.trimmingSpaces) {
        case .failure(let problem): return refusal(key.key, problem.message, at: location, into: &diagnostics)
        case .success(let parsed): template = parsed
        }
        guard !template.isConstant else {
            return refusal(key.key, "'\(key.value)' uses no variable, so every request would go to one endpoint", at: location, into: &diagnostics)
        }
        var config = UpstreamHashConfig(key: template, location: location)
        var subsets = false
        if let subset = values["upstream-hash-by-subset"] {
            guard let on = boolean(subset.value.trimmingSpaces) else { return refusal(subset.key, "'\(subset.value)' is not true or false", at: location, into: &diagnostics) }
            subsets = on
        }
        if let size = values["upstream-hash-by-subset-size"] {
            guard let number = Int(size.value.trimmingSpaces), (1...UpstreamHashConfig.largestSubset).contains(number) else {
                return refusal(size.key, "'\(size.value)' is not a whole number from 1 to \(UpstreamHashConfig.largestSubset)", at: location, into: &diagnostics)
            }
            if subsets {
                config.subsetSize = number
            } else {
                diagnostics.append(.warning("annotation-without-effect", "annotation \(size.key) has no effect without upstream-hash-by-subset: \"true\"", at: location))
            }
        }
        // ingress-nginx's default subset size.
        if subsets && config.subsetSize == nil { config.subsetSize = 3 }
        if result.affinity != nil {
            diagnostics.append(.warning("annotation-without-effect", "annotation \(key.key) has no effect: cookie affinity wins over consistent hashing, as in ingress-nginx", at: location))
            return true
        }
        result.upstreamHash = config
        return true
    }
}
