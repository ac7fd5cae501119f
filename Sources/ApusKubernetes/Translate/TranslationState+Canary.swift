import ApusCore

extension TranslationState {
    /// Annotations of a canary Ingress that still act: they shape the canary's own
    /// upstream. Every other one is the main Ingress's business (as in ingress-nginx,
    /// where a canary creates no location of its own).
    static let canaryUpstreamFeatures: Set<String> = Set([
        "backend-protocol", "load-balance", "proxy-connect-timeout", "proxy-read-timeout", "proxy-send-timeout",
        "proxy-next-upstream", "proxy-next-upstream-tries", "proxy-next-upstream-timeout",
    ]).union(IngressAnnotations.affinityFeatures.subtracting(["affinity-canary-behavior"])).union(IngressAnnotations.hashFeatures)

    /// A path as ingress-nginx identifies a location for a canary: the host, the path
    /// string exactly as written (`/` when empty) and its type (ImplementationSpecific is
    /// Prefix there).
    static func canaryKey(host: String?, _ path: IngressPath) -> String {
        let type = path.pathType == .exact ? "Exact" : "Prefix"
        return "\(IngressTranslator.hostKey(host)) \(type) \(path.path.flatMap { $0.isEmpty ? nil : $0 } ?? "/")"
    }

    /// Gives each path of each canary Ingress (oldest first) to the path the other
    /// Ingresses serve on the same host with the same path and type, and to that path's
    /// server-alias copies: the canary's Service then takes the requests its header,
    /// cookie or weight claims. A canary path no other Ingress serves is reported and takes
    /// nothing; the oldest canary of a path wins. A refused canary Ingress is named on the
    /// path it would have shared, whose Service then takes all of it.
    mutating func addCanaries(_ canaries: [(Ingress, IngressAnnotations)], refused: [Ingress]) {
        var byKey: [String: Int] = [:]
        for index in claims.indices {
            if let key = claims[index].canaryKey, byKey[key] == nil { byKey[key] = index }
        }
        for (ingress, annotations) in canaries {
            guard let canary = annotations.canary else { continue }
            let owner = ingress.reference
            reportCanaryAnnotationsWithoutEffect(ingress)
            if ingress.defaultBackend != nil {
                report(.warning("canary-default-backend", "spec.defaultBackend of a canary Ingress is not used; only its rules' paths share traffic", at: owner.location), for: owner)
            }
            for (ruleIndex, rule) in ingress.rules.enumerated() {
                for (pathIndex, path) in rule.paths.enumerated() {
                    let field = "spec.rules[\(ruleIndex)].http.paths[\(pathIndex)]"
                    let what = "\(field) (\(path.pathType.rawValue) '\(path.path ?? "/")' on host '\(rule.host ?? "*")')"
                    guard let index = byKey[Self.canaryKey(host: rule.host, path)] else {
                        report(.warning("canary-without-main", "\(what): no other Ingress serves this host and path (with this path type), so the canary takes no traffic", at: owner.location), for: owner)
                        continue
                    }
                    let main = claims[index]
                    guard case .proxy(let mainUpstream) = main.rule.action else {
                        report(.warning("canary-without-main", "\(what): \(main.owner) answers this path itself (a redirect), so the canary takes no traffic", at: owner.location), for: owner)
                        continue
                    }
                    if let earlier = main.rule.settings.canary {
                        report(.warning("canary-shadowed", "\(what): the path already has a canary (\(earlier.upstream)), from an older Ingress; this one takes no traffic", at: owner.location), for: owner)
                        continue
                    }
                    guard let upstream = upstream(for: path.backend, of: ingress, annotations: annotations, field: field) else { continue }
                    let service = BackendResolver.servicePort(ofUpstream: upstream)
                    guard service != BackendResolver.servicePort(ofUpstream: mainUpstream) else {
                        report(.warning("canary-is-main", "\(what): the canary's Service is the main Ingress's (\(service)); it takes no traffic", at: owner.location), for: owner)
                        continue
                    }
                    var config = canary
                    config.upstream = upstream
                    for copy in [index] + main.aliasCopies { claims[copy].rule.settings.canary = config }
                    served[owner, default: []].append("\(rule.host ?? "*") \(path.path ?? "/") (\(path.pathType.rawValue)) -> \(upstream), canary of \(main.owner) (\(Self.describe(config)))")
                }
            }
        }
        for ingress in refused {
            for rule in ingress.rules {
                for path in rule.paths {
                    // A path another canary serves has its split (that one is older or took it first).
                    guard let index = byKey[Self.canaryKey(host: rule.host, path)], claims[index].rule.settings.canary == nil else { continue }
                    let main = claims[index]
                    report(.warning("canary-refused", "\(main.rule.match.rawValue) path '\(main.rule.path)' on host '\(rule.host ?? "*")' has a canary, \(ingress.reference), that is not served (see its errors); this Ingress's Service takes all of the path's requests", at: main.owner.location), for: main.owner)
                }
            }
        }
    }

    private mutating func reportCanaryAnnotationsWithoutEffect(_ ingress: Ingress) {
        for key in ingress.metadata.annotations.keys.sorted() {
            guard let (dialect, feature) = IngressAnnotations.feature(of: key) else { continue }
            if dialect == .nginx && NginxAnnotationSupport.noEffectReason(feature) != nil { continue }
            if IngressAnnotations.canaryFeatures.contains(feature) || Self.canaryUpstreamFeatures.contains(feature) { continue }
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
