import ApusCore

extension TranslationState {
    /// Annotations of a canary Ingress that still act: they shape the canary's own
    /// upstream. Every other one is the main Ingress's business (as in ingress-nginx,
    /// where a canary creates no location of its own).
    static let canaryUpstreamFeatures: Set<String> = [
        "backend-protocol", "load-balance", "proxy-connect-timeout", "proxy-read-timeout", "proxy-send-timeout",
        "proxy-next-upstream", "proxy-next-upstream-tries", "proxy-next-upstream-timeout",
    ]

    /// Gives each path of each canary Ingress (oldest first) to the path the main Ingresses
    /// serve on the same host with the same match: the canary's Service then takes the
    /// requests its header, cookie or weight claims. A canary path no main Ingress serves
    /// is reported and takes nothing; the oldest canary of a path wins.
    mutating func addCanaries(_ canaries: [(Ingress, IngressAnnotations)], nginxRegexHosts: Set<String>) {
        for (ingress, annotations) in canaries {
            guard let canary = annotations.canary else { continue }
            let owner = ingress.reference
            reportCanaryAnnotationsWithoutEffect(ingress)
            if ingress.defaultBackend != nil {
                report(.warning("canary-default-backend", "spec.defaultBackend of a canary Ingress is not used; only its rules' paths share traffic", at: owner.location), for: owner)
            }
            for (ruleIndex, rule) in ingress.rules.enumerated() {
                let hostWideRegex = nginxRegexHosts.contains(IngressTranslator.hostKey(rule.host))
                for (pathIndex, path) in rule.paths.enumerated() {
                    let field = "spec.rules[\(ruleIndex)].http.paths[\(pathIndex)]"
                    let (text, match, _) = Self.pathMatch(path, pathLocalRegex: annotations.regex == .pathLocal, hostWideRegex: hostWideRegex)
                    let what = "\(field) (\(match.rawValue) '\(text)' on host '\(rule.host ?? "*")')"
                    let key = Self.claimKey(host: rule.host, match: match, path: text)
                    guard let index = claims.firstIndex(where: { Self.claimKey(host: $0.host, match: $0.rule.match, path: $0.rule.path) == key }) else {
                        report(.warning("canary-without-main", "\(what): no Ingress serves this host and path, so the canary takes no traffic", at: owner.location), for: owner)
                        continue
                    }
                    let main = claims[index]
                    guard case .proxy(let mainUpstream) = main.rule.action else {
                        report(.warning("canary-without-main", "\(what): \(main.owner) answers this path itself (a redirect), so the canary takes no traffic", at: owner.location), for: owner)
                        continue
                    }
                    if let earlier = main.rule.settings.canary {
                        report(.warning("canary-shadowed", "\(what): the path already has a canary (\(earlier.location)), which is older; this one takes no traffic", at: owner.location), for: owner)
                        continue
                    }
                    guard let upstream = upstream(for: path.backend, of: ingress, annotations: annotations, field: field) else { continue }
                    guard upstream != mainUpstream else {
                        report(.warning("canary-is-main", "\(what): the canary's Service is the main Ingress's (\(upstream)); it takes no traffic", at: owner.location), for: owner)
                        continue
                    }
                    var config = canary
                    config.upstream = upstream
                    // The main path and its server-alias copies (the same rule of the same Ingress).
                    let mainRule = main.rule
                    for other in claims.indices where claims[other].owner == main.owner && claims[other].rule == mainRule {
                        claims[other].rule.settings.canary = config
                    }
                    served[owner, default: []].append("\(rule.host ?? "*") \(text) (\(match.rawValue)) -> \(upstream), canary of \(main.owner) (\(Self.describe(config)))")
                }
            }
        }
    }

    private mutating func reportCanaryAnnotationsWithoutEffect(_ ingress: Ingress) {
        for key in ingress.metadata.annotations.keys.sorted() {
            let feature: Substring
            if key.hasPrefix(IngressAnnotations.apusPrefix) {
                feature = key.dropFirst(IngressAnnotations.apusPrefix.count)
            } else if key.hasPrefix(IngressAnnotations.nginxPrefix) {
                feature = key.dropFirst(IngressAnnotations.nginxPrefix.count)
                if NginxAnnotationSupport.noEffectReason(String(feature)) != nil { continue }
            } else {
                continue
            }
            if IngressAnnotations.canaryFeatures.contains(String(feature)) || Self.canaryUpstreamFeatures.contains(String(feature)) { continue }
            report(.warning("annotation-without-effect", "annotation \(key) has no effect on a canary Ingress: the main Ingress's settings apply to its paths", at: ingress.reference.location), for: ingress.reference)
        }
    }

    private static func describe(_ canary: CanaryConfig) -> String {
        var parts: [String] = []
        if let header = canary.header {
            parts.append("header \(header)" + (canary.headerValue.map { " = \($0)" } ?? canary.headerPattern.map { " ~ \($0)" } ?? " always/never"))
        }
        if let cookie = canary.cookie { parts.append("cookie \(cookie) always/never") }
        parts.append("weight \(canary.weight)/\(canary.weightTotal)")
        return parts.joined(separator: ", ")
    }
}
