import ApusCore
import ApusKubernetes
import Testing

/// Canary Ingresses in both dialects: merged into the main Ingress's path, reported when
/// they cannot be, and refused for values that cannot be read.
@Suite struct IngressCanaryAnnotationTests {
    typealias F = KubeFixture

    static let canaryService = [
        F.service("web-next"),
        F.slice("web-next-1", service: "web-next", endpoints: [("10.0.1.1", true, true, false)]),
    ]

    static func canaryIngress(_ name: String = "web-canary", created: String = "2026-01-02T00:00:00Z", host: String = "app.test",
                              path: String = "/", pathType: String = "Prefix", service: String = "web-next",
                              annotations: [String: String]) -> String {
        F.ingress(name, created: created, host: host, paths: [(path, pathType, service, "80")], annotations: annotations)
    }

    static func canaryOf(_ translation: IngressTranslation, host: String = "app.test", path: String = "/") -> CompiledCanary? {
        IngressRequestAnnotationTests.compiledRoute(translation, host: host, path: path)?.canary
    }

    @Test(arguments: ["nginx.ingress.kubernetes.io/", "apus.dev/"])
    func mergedIntoTheMainPath(_ prefix: String) throws {
        let canary = Self.canaryIngress(annotations: [
            "\(prefix)canary": "true", "\(prefix)canary-by-header": "X-Canary", "\(prefix)canary-by-header-value": "v2",
            "\(prefix)canary-by-cookie": "beta", "\(prefix)canary-weight": "20", "\(prefix)canary-weight-total": "50",
        ])
        let translation = try F.translate([F.ourClass, F.ingress("web"), canary] + F.web + Self.canaryService)
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        let compiled = try #require(Self.canaryOf(translation))
        #expect(compiled.config == CanaryConfig(upstream: "demo/web-next:80", header: "X-Canary", headerValue: "v2", cookie: "beta",
                                                weight: 20, weightTotal: 50, location: compiled.config.location))
        #expect(translation.upstream(host: "app.test", path: "/") == "demo/web:80", "the main Ingress's upstream stays the route's")
        #expect(translation.endpoints(of: "demo/web-next:80") == ["10.0.1.1:8080"])
        let report = try #require(translation.reports.first { $0.ingress.name == "web-canary" })
        #expect(report.accepted && report.served == ["app.test / (Prefix) -> demo/web-next:80, canary of Ingress demo/web (header X-Canary = v2, cookie beta always/never, weight 20/50)"],
                "\(report.served)")
    }

    @Test func reportedWhenItCannotBeMerged() throws {
        let on = ["nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "10"]
        let documents = [F.ourClass, F.ingress("web", paths: [("/", "Prefix", "web", "80"), ("/moved", "Exact", "web", "80")])] + F.web + Self.canaryService
        func codes(_ canaries: [String]) throws -> [String] {
            try F.translate(documents + canaries).diagnostics.map(\.code)
        }
        // No main Ingress for the host, nor for the path type.
        #expect(try codes([Self.canaryIngress(host: "other.test", annotations: on)]).contains("canary-without-main"))
        let exactVsPrefix = try F.translate(documents + [Self.canaryIngress(path: "/moved", pathType: "Prefix", annotations: on)])
        #expect(exactVsPrefix.diagnostics.contains { $0.code == "canary-without-main" && $0.message.contains("Prefix '/moved'") })
        #expect(Self.canaryOf(exactVsPrefix, path: "/moved") == nil)
        // The same Service as the main Ingress.
        #expect(try codes([Self.canaryIngress(service: "web", annotations: on)]).contains("canary-is-main"))
        // Two canaries: the older one wins.
        let two = try F.translate(documents + [
            Self.canaryIngress("late", created: "2026-01-03T00:00:00Z", annotations: on + ["nginx.ingress.kubernetes.io/canary-weight": "90"]),
            Self.canaryIngress("early", annotations: on),
        ])
        #expect(Self.canaryOf(two)?.weight == 10)
        #expect(two.diagnostics.contains { $0.code == "canary-shadowed" && $0.message.contains("spec.rules[0]") }, "\(two.diagnostics)")
        // Its own path settings do nothing; its upstream settings shape its upstream.
        let settings = try F.translate(documents + [Self.canaryIngress(annotations: on + [
            "nginx.ingress.kubernetes.io/rewrite-target": "/x", "nginx.ingress.kubernetes.io/proxy-read-timeout": "7",
        ])])
        #expect(settings.diagnostics.contains { $0.code == "annotation-without-effect" && $0.message.contains("rewrite-target has no effect on a canary Ingress") })
        #expect(!settings.diagnostics.contains { $0.message.contains("proxy-read-timeout") })
        #expect(IngressRequestAnnotationTests.compiledRoute(settings, host: "app.test", path: "/")?.rewrite == nil)
        let canaryUpstream = try #require(Self.canaryOf(settings)?.config.upstream)
        #expect(settings.configuration.upstreams.first { $0.name == canaryUpstream }?.readTimeoutMilliseconds == 7_000)
    }

    /// Without `canary: "true"` the Ingress is an ordinary one (a path conflict here), and
    /// the `canary-*` values are said to do nothing.
    @Test func withoutTheSwitch() throws {
        let off = Self.canaryIngress(path: "/next", annotations: ["nginx.ingress.kubernetes.io/canary": "false", "nginx.ingress.kubernetes.io/canary-weight": "10"])
        let translation = try F.translate([F.ourClass, F.ingress("web"), off] + F.web + Self.canaryService)
        #expect(translation.upstream(host: "app.test", path: "/next") == "demo/web-next:80")
        #expect(translation.diagnostics.contains { $0.code == "annotation-without-effect" && $0.message.contains("canary-weight has no effect without canary: \"true\"") })
    }

    @Test(arguments: [
        ("canary", "yes", "'yes' is not true or false"),
        ("canary-weight", "ten", "'ten' is not a whole number"),
        ("canary-weight", "-5", "-5 is negative"),
        ("canary-weight-total", "0", "0 is not from 1 to 1000000000"),
        ("canary-by-header", "X Canary", "is not a field name"),
        ("canary-by-header-pattern", "(", "does not compile"),
        ("canary-by-cookie", "a;b", "is not a cookie name"),
    ])
    func refused(_ feature: String, _ value: String, _ reason: String) throws {
        var annotations = ["nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary"]
        annotations["nginx.ingress.kubernetes.io/\(feature)"] = value
        let translation = try F.translate([F.ourClass, F.ingress("web"), Self.canaryIngress(annotations: annotations)] + F.web + Self.canaryService)
        let report = try #require(translation.reports.first { $0.ingress.name == "web-canary" })
        #expect(!report.accepted)
        #expect(translation.diagnostics.contains {
            $0.severity == .error && $0.message.hasPrefix("annotation nginx.ingress.kubernetes.io/\(feature): ") && $0.message.contains(reason)
        }, "\(translation.diagnostics)")
        #expect(Self.canaryOf(translation) == nil)
    }

    /// A canary joins a path as ingress-nginx identifies it: the host, the path string as
    /// written and its type (ImplementationSpecific counting as Prefix), whatever the
    /// paths' other Ingresses or hosts are; a default backend's `/` counts too.
    @Test func pathIdentity() throws {
        let on = ["nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "100"]
        let twoHosts = """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: web, namespace: demo, creationTimestamp: "2026-01-01T00:00:00Z" }
        spec:
          ingressClassName: apus
          defaultBackend: { service: { name: web, port: { number: 80 } } }
          rules:
            - { host: a.test, http: { paths: [ { path: /a, pathType: ImplementationSpecific, backend: { service: { name: web, port: { number: 80 } } } } ] } }
            - { host: b.test, http: { paths: [ { path: /a, pathType: ImplementationSpecific, backend: { service: { name: web, port: { number: 80 } } } } ] } }
        """
        let translation = try F.translate([F.ourClass, twoHosts] + F.web + Self.canaryService + [
            Self.canaryIngress("prefix", host: "a.test", path: "/a", annotations: on),
            Self.canaryIngress("slash", created: "2026-01-03T00:00:00Z", host: "b.test", path: "/a/", annotations: on),
            Self.canaryIngress("root", created: "2026-01-04T00:00:00Z", host: "b.test", path: "/", annotations: on),
        ])
        #expect(Self.canaryOf(translation, host: "a.test", path: "/a")?.weight == 100, "ImplementationSpecific is Prefix")
        #expect(Self.canaryOf(translation, host: "b.test", path: "/a") == nil, "another host of the same Ingress keeps no canary it was not given")
        #expect(translation.diagnostics.contains { $0.code == "canary-without-main" && $0.message.contains("'/a/'") }, "/a/ is not /a for ingress-nginx")
        #expect(Self.canaryOf(translation, host: "b.test", path: "/anything")?.weight == 100, "the default backend's / location")
    }

    /// A refused canary is named on the path it would have shared; `migrate` will not move
    /// a canary without the path it shares.
    @Test func refusedCanaryAndMigrate() throws {
        let refused = Self.canaryIngress(annotations: ["nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "ten"])
        let translation = try F.translate([F.ourClass, F.ingress("web"), refused] + F.web + Self.canaryService)
        #expect(translation.diagnostics.contains {
            $0.code == "canary-refused" && $0.message.contains("has a canary, Ingress demo/web-canary, that is not served")
        }, "\(translation.diagnostics)")
        let alone = try F.translate([F.ourClass, Self.canaryIngress(annotations: ["nginx.ingress.kubernetes.io/canary": "true"])] + Self.canaryService)
        let ingress = try #require(F.snapshot([Self.canaryIngress(annotations: ["nginx.ingress.kubernetes.io/canary": "true"])]).ingresses.values.first)
        let entry = MigrationReport.entry(ingress, place: "test.yaml:1", findings: alone.diagnostics)
        #expect(entry.verdict == .blocked && entry.blockers.contains { $0.contains("no other Ingress serves this host and path") }, "\(entry)")
    }

    /// The main Ingress's server-alias names serve its rules, and so its canary.
    @Test func aliasesShareTheCanary() throws {
        let main = F.ingress("web", annotations: ["nginx.ingress.kubernetes.io/server-alias": "alias.test"])
        let canary = Self.canaryIngress(annotations: ["nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "100"])
        let translation = try F.translate([F.ourClass, main, canary] + F.web + Self.canaryService)
        #expect(Self.canaryOf(translation, host: "alias.test")?.weight == 100)
    }
}

private func + (lhs: [String: String], rhs: [String: String]) -> [String: String] {
    lhs.merging(rhs) { $1 }
}
