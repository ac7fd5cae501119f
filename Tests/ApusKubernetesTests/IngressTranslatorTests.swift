import ApusCore
import ApusKubernetes
import Testing

/// Ingress semantics: classes, hosts, path types, precedence, conflicts, default backends
/// and endpoints, checked by compiling the translation and matching requests.
@Suite struct IngressTranslatorTests {
    typealias F = KubeFixture

    struct ClassCase: Sendable, CustomStringConvertible {
        var name: String
        var documents: [String]
        var served: Bool
        var description: String { name }
    }

    static let defaultClass = F.ourClass.replacingOccurrences(of: "metadata: { name: apus }", with: "metadata: { name: apus, annotations: { ingressclass.kubernetes.io/is-default-class: \"true\" } }")
    static let otherClass = "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: { name: nginx }\nspec: { controller: k8s.io/ingress-nginx }"

    static let classCases: [ClassCase] = [
        ClassCase(name: "ingressClassName of our class", documents: [F.ourClass, F.ingress("a")], served: true),
        ClassCase(name: "ingressClassName of another controller", documents: [F.ourClass, otherClass, F.ingress("a", className: "nginx")], served: false),
        ClassCase(name: "ingressClassName naming a missing class", documents: [F.ingress("a")], served: false),
        ClassCase(name: "no class, our class is default", documents: [defaultClass, F.ingress("a", className: nil)], served: true),
        ClassCase(name: "no class, our class is not default", documents: [F.ourClass, F.ingress("a", className: nil)], served: false),
        ClassCase(name: "legacy annotation with our class", documents: [F.ingress("a", className: nil, annotations: ["kubernetes.io/ingress.class": "apus"])], served: true),
        ClassCase(name: "legacy annotation with another class beats default", documents: [defaultClass, F.ingress("a", className: nil, annotations: ["kubernetes.io/ingress.class": "nginx"])], served: false),
    ]

    /// Which Ingresses are ours (DESIGN.md): class name, default class, legacy annotation.
    @Test(arguments: classCases) func classes(_ c: ClassCase) throws {
        let translation = try F.translate(c.documents + F.web)
        #expect((translation.upstream(host: "app.test", path: "/") != nil) == c.served)
        #expect(translation.reports.count == (c.served ? 1 : 0))
    }

    /// --watch-namespace limits the Ingresses served.
    @Test func watchNamespace() throws {
        let documents = [F.ourClass, F.ingress("a", host: "a.test"), F.ingress("b", namespace: "other", host: "b.test")] + F.web
        let translation = try F.translate(documents, options: IngressTranslationOptions(watchNamespace: "demo"))
        #expect(translation.upstream(host: "a.test", path: "/") == "demo/web:80")
        #expect(translation.upstream(host: "b.test", path: "/") == nil)
    }

    struct MatchCase: Sendable, CustomStringConvertible {
        var host: String
        var path: String
        var upstream: String?
        var description: String { "\(host)\(path)" }
    }

    static let services = [
        F.service("exact"), F.service("prefix"), F.service("impl"), F.service("star"), F.service("any"),
    ]
    static let matchIngress = F.ingress("m", host: "app.test", paths: [
        ("/api", "Exact", "exact", "80"), ("/api/", "Prefix", "prefix", "http"), ("/docs", "ImplementationSpecific", "impl", "80"),
    ])

    static let matchCases: [MatchCase] = [
        MatchCase(host: "app.test", path: "/api", upstream: "demo/exact:80"),
        MatchCase(host: "APP.test", path: "/api/v1", upstream: "demo/prefix:80"),
        MatchCase(host: "app.test", path: "/apix", upstream: nil),
        MatchCase(host: "app.test", path: "/docs/x", upstream: "demo/impl:80"),
        MatchCase(host: "app.test", path: "/docsx", upstream: nil),
        MatchCase(host: "a.wild.test", path: "/", upstream: "demo/star:80"),
        MatchCase(host: "a.b.wild.test", path: "/", upstream: "demo/any:80"),
        MatchCase(host: "other.test", path: "/z", upstream: "demo/any:80"),
    ]

    /// Exact is exact, Prefix goes by elements (trailing slash ignored), ImplementationSpecific
    /// without a regex opt-in is Prefix, wildcards cover one label, no host is every host.
    @Test(arguments: matchCases) func hostsAndPathTypes(_ c: MatchCase) throws {
        let documents = [F.ourClass, Self.matchIngress,
                         F.ingress("w", host: "*.wild.test", paths: [("/", "Prefix", "star", "80")]),
                         F.ingress("n", host: nil, paths: [("/", "Prefix", "any", "80")])] + Self.services
        let translation = try F.translate(documents)
        #expect(translation.upstream(host: c.host, path: c.path) == c.upstream)
    }

    /// The same host+path in two Ingresses goes to the older; the newer is told which one won.
    @Test func conflictOldestWins() throws {
        let documents = [F.ourClass,
                         F.ingress("new", created: "2026-02-01T00:00:00Z", paths: [("/", "Prefix", "b", "80")]),
                         F.ingress("old", created: "2026-01-01T00:00:00Z", paths: [("/", "Prefix", "a", "80")]),
                         F.service("a"), F.service("b")]
        let translation = try F.translate(documents)
        #expect(translation.upstream(host: "app.test", path: "/x") == "demo/a:80")
        let loser = try #require(translation.reports.first { $0.ingress.name == "new" })
        #expect(Set(loser.diagnostics.map(\.code)) == ["path-conflict", "no-ready-endpoints"])
        #expect(loser.diagnostics.contains { $0.code == "path-conflict" && $0.message.contains("Ingress demo/old") })
        #expect(loser.served.isEmpty)
        #expect(translation.reports.map(\.ingress.name) == ["old", "new"])
    }

    /// At equal creation times the namespace/name order decides, whatever the input order.
    @Test func conflictTieBreakByName() throws {
        for order in [["b", "a"], ["a", "b"]] {
            let ingresses = order.map { F.ingress($0, namespace: "ns-\($0)", paths: [("/", "Prefix", "web", "80")]) }
            let translation = try F.translate([F.ourClass] + ingresses + [F.service("web", namespace: "ns-a"), F.service("web", namespace: "ns-b")])
            #expect(translation.upstream(host: "app.test", path: "/") == "ns-a/web:80")
        }
    }

    /// defaultBackend serves what no rule matches, on rule hosts and on every other host;
    /// the oldest Ingress's default backend is the catch-all.
    @Test func defaultBackend() throws {
        let withDefault = F.ingress("d", created: "2026-01-01T00:00:00Z", paths: [("/api", "Prefix", "web", "80")],
                                    extraSpec: "  defaultBackend: { service: { name: fallback, port: { number: 80 } } }")
        let newer = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: e, namespace: demo, creationTimestamp: \"2026-03-01T00:00:00Z\" }\nspec: { ingressClassName: apus, defaultBackend: { service: { name: other, port: { number: 80 } } } }"
        let translation = try F.translate([F.ourClass, withDefault, newer, F.service("fallback"), F.service("other")] + F.web)
        #expect(translation.upstream(host: "app.test", path: "/api/x") == "demo/web:80")
        #expect(translation.upstream(host: "app.test", path: "/else") == "demo/fallback:80")
        #expect(translation.upstream(host: "unknown.test", path: "/") == "demo/fallback:80")
        #expect(translation.reports.first { $0.ingress.name == "e" }?.diagnostics.contains { $0.code == "default-backend-shadowed" } == true)
    }

    struct EndpointCase: Sendable, CustomStringConvertible {
        var name: String
        var endpoints: [(String, Bool, Bool, Bool)]
        var expected: [String]
        var description: String { name }
    }

    static let endpointCases: [EndpointCase] = [
        EndpointCase(name: "ready only", endpoints: [("10.0.0.1", true, true, false), ("10.0.0.2", false, false, false)], expected: ["10.0.0.1:8080"]),
        EndpointCase(name: "terminating ignored while one is ready", endpoints: [("10.0.0.1", true, true, false), ("10.0.0.3", false, true, true)], expected: ["10.0.0.1:8080"]),
        EndpointCase(name: "serving terminating used when none ready", endpoints: [("10.0.0.3", false, true, true), ("10.0.0.4", false, false, true)], expected: ["10.0.0.3:8080"]),
        EndpointCase(name: "none usable", endpoints: [("10.0.0.2", false, false, false)], expected: []),
    ]

    /// Ready endpoints; serving-but-terminating ones only while none is ready.
    @Test(arguments: endpointCases) func endpointConditions(_ c: EndpointCase) throws {
        let translation = try F.translate([F.ourClass, F.ingress("a"), F.service("web"), F.slice("s", service: "web", endpoints: c.endpoints)])
        #expect(translation.endpoints(of: "demo/web:80") == c.expected)
        #expect(translation.diagnostics.contains { $0.code == "no-ready-endpoints" } == c.expected.isEmpty)
    }

    /// A Service port by number or by name reaches the slice port of the same name (target port 8080, not 80);
    /// IPv6 endpoints are bracketed; slices of other ports or Services are ignored.
    @Test func namedPortsAndSlices() throws {
        let service = F.service("web", ports: "[{ name: http, port: 80, targetPort: web }, { name: admin, port: 9000 }]")
        let documents = [F.ourClass, F.ingress("a", paths: [("/", "Prefix", "web", "http"), ("/admin", "Prefix", "web", "9000")]), service,
                         F.slice("s4", service: "web", endpoints: [("10.0.0.1", true, true, false)]),
                         F.slice("s6", service: "web", port: 8443, endpoints: [("fd00::1", true, true, false)], addressType: "IPv6"),
                         F.slice("sa", service: "web", portName: "admin", port: 9999, endpoints: [("10.0.0.1", true, true, false)]),
                         F.slice("x", service: "other", endpoints: [("10.9.9.9", true, true, false)])]
        let translation = try F.translate(documents)
        #expect(translation.endpoints(of: "demo/web:80") == ["10.0.0.1:8080", "[fd00::1]:8443"])
        #expect(translation.endpoints(of: "demo/web:9000") == ["10.0.0.1:9999"])
        #expect(translation.upstream(host: "app.test", path: "/admin/x") == "demo/web:9000")
    }

    struct MissingCase: Sendable, CustomStringConvertible {
        var name: String
        var documents: [String]
        var code: String
        var description: String { name }
    }

    static let missingCases: [MissingCase] = [
        MissingCase(name: "missing Service", documents: [], code: "service-missing"),
        MissingCase(name: "missing port", documents: [F.service("web", ports: "[{ name: grpc, port: 81 }]")], code: "service-port-missing"),
        MissingCase(name: "no endpoints", documents: [F.service("web")], code: "no-ready-endpoints"),
        MissingCase(name: "ExternalName without a name", documents: [F.service("web", extra: ", type: ExternalName")], code: "external-name-missing"),
        MissingCase(name: "FQDN slice", documents: [F.service("web"), F.slice("s", service: "web", endpoints: [("pod.example", true, true, false)], addressType: "FQDN")], code: "endpoint-address-type"),
    ]

    /// A backend that cannot be reached leaves its path answering 503 (an upstream without
    /// endpoints) with a finding for the Ingress; the other paths keep working.
    @Test(arguments: missingCases) func missingBackends(_ c: MissingCase) throws {
        let ingress = F.ingress("a", paths: [("/broken", "Prefix", "web", "80"), ("/ok", "Prefix", "good", "80")])
        let translation = try F.translate([F.ourClass, ingress, F.service("good"), F.slice("g", service: "good", endpoints: [("10.0.0.9", true, true, false)])] + c.documents)
        let upstream = try #require(translation.upstream(host: "app.test", path: "/broken"))
        #expect(translation.endpoints(of: upstream) == [])
        #expect(translation.upstream(host: "app.test", path: "/ok") == "demo/good:80")
        #expect(translation.reports.first?.diagnostics.contains { $0.code == c.code && $0.location == .object(kind: "Ingress", namespace: "demo", name: "a") } == true,
                "\(translation.diagnostics)")
        let (table, _) = RouteTableCompiler.compile(translation.configuration)
        #expect(table.upstreams.first { $0.name == upstream }?.endpoints.isEmpty == true)
    }

    /// An ExternalName Service becomes its name and the Service's port, which the control
    /// plane resolves before compiling.
    @Test func externalNameIsAnEndpointByName() throws {
        let ingress = F.ingress("a", paths: [("/", "Prefix", "web", "80")])
        let translation = try F.translate([F.ourClass, ingress, F.service("web", extra: ", type: ExternalName, externalName: db.example.com")])
        #expect(translation.endpoints(of: "demo/web:80") == ["db.example.com:80"])
        #expect(translation.diagnostics.filter { $0.severity == .error }.isEmpty, "\(translation.diagnostics)")
    }

    /// A resource backend is dropped with an error; the same Ingress's service paths stay.
    @Test func resourceBackend() throws {
        let ingress = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: r, namespace: demo }\nspec:\n  ingressClassName: apus\n  rules: [ { host: app.test, http: { paths: [ { path: /static, pathType: Prefix, backend: { resource: { apiGroup: k8s.example.com, kind: StorageBucket, name: assets } } }, { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } } ] } } ]"
        let translation = try F.translate([F.ourClass, ingress] + F.web)
        #expect(translation.diagnostics.contains { $0.code == "resource-backend-not-supported" && $0.severity == .error })
        #expect(translation.upstream(host: "app.test", path: "/static/x") == "demo/web:80")
    }

    /// Upstream names are `namespace/service:port`, shared by Ingresses with default settings,
    /// and the same snapshot always translates to the same configuration.
    @Test func stableNames() throws {
        let documents = [F.ourClass, F.ingress("a", host: "a.test"), F.ingress("b", host: "b.test", paths: [("/", "Prefix", "web", "http")])] + F.web
        let first = try F.translate(documents)
        #expect(first.configuration.upstreams.map(\.name) == ["demo/web:80"])
        for _ in 0..<5 { #expect(try F.translate(documents.reversed()).configuration == first.configuration) }
    }
}
