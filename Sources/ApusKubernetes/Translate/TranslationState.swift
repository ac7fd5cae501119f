import ApusCore
import ApusNet

/// What the translation has gathered so far: claimed paths, upstreams, certificates and
/// findings per Ingress. Only `IngressTranslator.translate` holds one.
struct TranslationState {
    let resolver: BackendResolver
    let certificateLoader: ServerCertificateLoader

    /// One path a winning Ingress serves.
    struct Claim {
        var host: String?
        var rule: PathRuleConfig
        var owner: ObjectReference
        /// The Ingress path it came from as ingress-nginx identifies a location for a
        /// canary (`IngressTranslator.canaryKey`); nil for paths Apus made (redirects, aliases).
        var canaryKey: String?
        /// Claims that copy this one under `server-alias` names.
        var aliasCopies: [Int] = []
    }

    /// Identity of a path for conflicts: the compiler would drop a second rule with the
    /// same host, match kind and key, so the translator decides (oldest wins) and says so.
    struct ClaimKey: Hashable {
        var host: String
        var match: PathMatchKind
        var key: String
    }

    var claims: [Claim] = []
    var claimOwners: [ClaimKey: ObjectReference] = [:]
    var hostOrder: [String] = []
    var hostNames: [String: String?] = [:]
    var upstreams: [String: UpstreamConfig] = [:]
    var upstreamOrder: [String] = []
    var findings: [ObjectReference: [Diagnostic]] = [:]
    var served: [ObjectReference: [String]] = [:]
    /// Findings about Ingresses that are not ours (class problems), not in any report.
    var unownedFindings: [Diagnostic] = []
    /// Usable certificates, keyed by Secret, in the order Ingresses named them.
    var certificates: [(ObjectKey, CertificateConfig)] = []
    var usableCertificates: [ObjectKey: TLSServerCertificate] = [:]
    /// Host keys served over TLS as their own (see `findHostsServedOverTLS`).
    var hostsServedOverTLS = Set<String>()
    var tlsIngresses: [ObjectReference] = []
    /// Each accepted Ingress's basic auth, its Secret read (see `basicAuth(of:_:secrets:)`).
    var basicAuthConfigs: [ObjectReference: BasicAuthConfig] = [:]
    /// The upstream of `--default-backend-service`, when it has one.
    var defaultBackendUpstream: String?
    /// `--custom-http-errors`.
    var globalErrorStatuses: [Int] = []
    /// Each Ingress's custom-headers rules (nil inside: the ConfigMap could not be used).
    var customHeaders: [ObjectReference: HeaderRulesConfig?] = [:]
    /// Each Ingress's auth-proxy-set-headers fields (nil inside: the ConfigMap could not be used).
    var authRequestFields: [ObjectReference: [AuthRequestField]?] = [:]
    /// Each host's client-certificate policy and the Ingress that gave it.
    var hostClientCertificates: [String: (ClientCertificateConfig, ObjectReference)] = [:]
    /// Each Ingress's `default-backend` upstream, once looked up (nil inside: unusable).
    var ingressDefaultBackends: [ObjectReference: String?] = [:]

    init(resolver: BackendResolver, certificateLoader: ServerCertificateLoader) {
        self.resolver = resolver
        self.certificateLoader = certificateLoader
    }

    mutating func report(_ diagnostic: Diagnostic, for ingress: ObjectReference) {
        if findings[ingress]?.contains(diagnostic) == true { return }
        findings[ingress, default: []].append(diagnostic)
    }

    /// The upstream of a backend, created on first use; its findings go to every Ingress using it.
    mutating func upstream(for backend: IngressBackend, of ingress: Ingress, annotations: IngressAnnotations, field: String) -> String? {
        switch backend {
        case .resource(let group, let kind, let name):
            report(.error("resource-backend-not-supported", "\(field): a resource backend (\(group.map { "\($0)/" } ?? "")\(kind) \(name)) is not supported, only Services; the path is dropped", at: ingress.reference.location), for: ingress.reference)
            return nil
        case .service(let name, let port):
            let resolution = resolver.resolve(namespace: ingress.metadata.namespace, service: name, port: port, settings: annotations, ingress: ingress)
            for finding in resolution.findings { report(finding, for: ingress.reference) }
            return addUpstream(resolution.upstream)
        }
    }

    /// Adds an upstream unless one of its name is there; returns its name.
    mutating func addUpstream(_ upstream: UpstreamConfig) -> String {
        if upstreams[upstream.name] == nil {
            upstreams[upstream.name] = upstream
            upstreamOrder.append(upstream.name)
        }
        return upstream.name
    }

    /// Claims a path for an Ingress, unless an older Ingress (or an earlier rule of the
    /// same one) already serves it.
    mutating func claim(host: String?, rule: PathRuleConfig, owner: ObjectReference, canaryKey: String? = nil) -> Bool {
        let hostKey = IngressTranslator.hostKey(host)
        let claimKey = Self.claimKey(host: host, match: rule.match, path: rule.path)
        if let winner = claimOwners[claimKey] {
            let what = "\(rule.match.rawValue) path '\(rule.path)' on host '\(host ?? "*")'"
            let message = winner == owner
                ? "\(what) appears twice in this Ingress; the first one is served"
                : "\(what) is already served by \(winner), which is older (or first by namespace/name); this path is dropped"
            report(.error("path-conflict", message, at: owner.location), for: owner)
            return false
        }
        claimOwners[claimKey] = owner
        var rule = rule
        var service = ""
        if case .proxy(let upstream) = rule.action { service = BackendResolver.serviceName(ofUpstream: upstream) }
        rule.origin = RouteOrigin(namespace: owner.namespace, ingress: owner.name, service: service)
        if hostNames[hostKey] == nil {
            hostNames[hostKey] = host
            hostOrder.append(hostKey)
        }
        claims.append(Claim(host: host, rule: rule, owner: owner, canaryKey: canaryKey))
        if case .proxy(let upstream) = rule.action {
            var line = "\(host ?? "*") \(rule.path) (\(rule.match.rawValue)\(rule.match == .regex ? rule.regexFlavor == .nginxCompatible ? ", nginx" : ", whole path" : "")) -> \(upstream)"
            // Only what is set, so that plain paths read as before.
            if let rewrite = rule.rewrite { line += ", rewritten to \(rewrite)" }
            if let limit = rule.maxBodyBytes { line += limit == 0 ? ", no body limit" : ", bodies up to \(limit) bytes" }
            if rule.settings.httpsRedirect?.enabled == true { line += ", http redirected to https (308)" }
            served[owner, default: []].append(line)
        }
        return true
    }

    /// A Prefix path's key is without its trailing slashes (`/a/` is `/a`), as the
    /// compiler matches it.
    static func claimKey(host: String?, match: PathMatchKind, path: String) -> ClaimKey {
        var key = path
        if match == .prefix { while key.count > 1 && key.hasSuffix("/") { key.removeLast() } }
        if match == .prefix && key.isEmpty { key = "/" }
        return ClaimKey(host: IngressTranslator.hostKey(host), match: match, key: key)
    }

    func isClaimed(host: String, match: PathMatchKind, key: String) -> Bool {
        claimOwners[ClaimKey(host: host, match: match, key: key)] != nil
    }

    /// Routes grouped by host in first-claim order. Within a host, ingress-nginx regexes
    /// are tried longest first (as ingress-nginx orders its locations); the rest keep
    /// claim order, which is oldest Ingress first.
    ///
    /// `hsts` goes on the hosts served over TLS as their own.
    func routes(hsts: HSTSConfig?) -> [RouteConfig] {
        var byHost: [String: [Claim]] = [:]
        for claim in claims { byHost[IngressTranslator.hostKey(claim.host), default: []].append(claim) }
        return hostOrder.map { hostKey in
            var hostClaims = byHost[hostKey] ?? []
            let nginxRegexes = hostClaims.filter { $0.rule.match == .regex && $0.rule.regexFlavor == .nginxCompatible }
            if !nginxRegexes.isEmpty {
                let ordered = nginxRegexes.enumerated().sorted {
                    ($0.element.rule.path.utf8.count, -$0.offset) > ($1.element.rule.path.utf8.count, -$1.offset)
                }.map(\.element)
                var iterator = ordered.makeIterator()
                hostClaims = hostClaims.map { claim in
                    claim.rule.match == .regex && claim.rule.regexFlavor == .nginxCompatible ? iterator.next()! : claim
                }
            }
            let host = hostNames[hostKey] ?? nil
            var route = RouteConfig(host: host, paths: hostClaims.map(\.rule), location: hostClaims.first?.owner.location ?? .unknown)
            route.settings.clientCertificates = hostClientCertificates[hostKey]?.0
            if hostsServedOverTLS.contains(hostKey) { route.settings.hsts = hsts }
            return route
        }
    }
}
