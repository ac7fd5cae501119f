import ApusCore
import ApusNet

/// Turns a `ClusterSnapshot` into the `Configuration` the YAML file source would produce:
/// routes per host, upstreams of pod addresses, and listener certificates from Secrets.
///
/// Pure: no network and no files; the same snapshot always gives the same result
/// (Ingresses are walked oldest first, then by namespace/name, and every map is sorted).
/// Listeners, admin, limits, timeouts and the access log come from `base` (the `--config`
/// file of `apus controller`); routes and upstreams of `base` are replaced.
public enum IngressTranslator {
    /// - Parameter certificates: loads the Secrets' certificates to judge them; the same
    ///   loader given to the snapshot build then reuses them rather than parsing again.
    public static func translate(snapshot: ClusterSnapshot, options: IngressTranslationOptions, base: Configuration = Configuration(),
                                 certificates: ServerCertificateLoader = ServerCertificateLoader()) -> IngressTranslation {
        var state = TranslationState(resolver: BackendResolver(snapshot: snapshot, defaultBalance: options.defaultBalance), certificateLoader: certificates)
        let filter = IngressClassFilter(options: options, classes: snapshot.ingressClasses)

        // Ours, oldest first: conflicts go to the oldest Ingress, deterministically.
        var ours: [(Ingress, IngressAnnotations?)] = []
        for ingress in snapshot.ingresses.values {
            let (claimed, finding) = filter.claims(ingress)
            if let finding { state.unownedFindings.append(finding) }
            guard claimed else { continue }
            let (annotations, findings) = IngressAnnotations.parse(ingress.metadata.annotations, at: ingress.reference.location)
            ours.append((ingress, annotations))
            state.findings[ingress.reference, default: []] += findings
        }
        ours.sort { age($0.0) < age($1.0) }
        // Canary Ingresses make no paths of their own: they share those of the others.
        let acceptedAll = ours.compactMap { ingress, annotations in annotations.map { (ingress, $0) } }
        let accepted = acceptedAll.filter { $0.1.canary == nil }
        let canaries = acceptedAll.filter { $0.1.canary != nil }

        // ingress-nginx applies use-regex to the whole host, whichever Ingress asked.
        var nginxRegexHosts = Set<String>()
        for (ingress, annotations) in accepted where annotations.regex == .nginxHostWide {
            for rule in ingress.rules { nginxRegexHosts.insert(hostKey(rule.host)) }
        }
        for (ingress, annotations) in accepted {
            if let auth = annotations.basicAuth {
                state.basicAuthConfigs[ingress.reference] = state.basicAuth(of: ingress, auth, secrets: snapshot.opaqueSecrets)
            }
            if let name = annotations.authProxySetHeaders {
                state.authRequestFields[ingress.reference] = .some(state.authRequestFields(of: ingress, configMap: name, snapshot: snapshot))
            }
            if let name = annotations.customHeaders {
                state.customHeaders[ingress.reference] = .some(state.customHeaderRules(of: ingress, configMap: name, snapshot: snapshot))
            }
            if let certificates = annotations.clientCertificates {
                state.claimClientCertificates(state.clientCertificates(of: ingress, certificates, snapshot: snapshot), of: ingress,
                                              aliases: annotations.serverAliases)
            }
        }
        state.prepareDefaultBackend(options)
        for (ingress, _) in accepted { state.checkTLS(of: ingress, secrets: snapshot.secrets) }
        state.findHostsServedOverTLS(accepted)
        for (ingress, annotations) in accepted {
            state.addRules(of: ingress, annotations: annotations, nginxRegexHosts: nginxRegexHosts)
        }
        state.addWWWRedirects(accepted)
        state.addDefaultBackends(accepted, options: options)
        state.addCanaries(canaries, refused: ours.filter { $0.1 == nil && IngressAnnotations.asksForCanary($0.0.metadata.annotations) }.map(\.0))

        var configuration = base
        if let status = options.rateLimitStatus { configuration.limits.rateLimitStatus = status }
        if let status = options.connectionLimitStatus { configuration.limits.connectionLimitStatus = status }
        configuration.routes = state.routes(hsts: options.hsts)
        configuration.upstreams = state.upstreamOrder.compactMap { state.upstreams[$0] }
        configuration.addExternalAuthUpstreams()
        let certificateFindings = state.attachCertificates(to: &configuration)

        var diagnostics = state.unownedFindings.sorted { $0.location.description < $1.location.description } + certificateFindings
        var reports: [IngressReport] = []
        for (ingress, annotations) in ours {
            let findings = state.findings[ingress.reference] ?? []
            diagnostics += findings
            reports.append(IngressReport(
                ingress: ingress.reference, served: state.served[ingress.reference] ?? [], diagnostics: findings,
                accepted: annotations != nil))
        }
        return IngressTranslation(configuration: configuration, diagnostics: diagnostics, reports: reports)
    }

    /// Sort key: creation time (manifests without one last), then namespace/name.
    static func age(_ ingress: Ingress) -> (Int64, String, String) {
        (ingress.metadata.creationTimestamp ?? Int64.max, ingress.metadata.namespace, ingress.metadata.name)
    }

    /// Hosts compare case-insensitively; `*` stands for "no host".
    static func hostKey(_ host: String?) -> String {
        host?.lowercased() ?? "*"
    }
}
