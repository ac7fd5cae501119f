import ApusCore
import ApusKubernetes
import Testing

/// `custom-http-errors`, `default-backend` and `disable-proxy-intercept-errors` in both
/// dialects, and the controller's `--default-backend-service` and `--custom-http-errors`:
/// which upstream serves the errors, which statuses, what the error backend is told.
@Suite struct IngressErrorBackendAnnotationTests {
    typealias F = KubeFixture

    /// Service demo/errors (first port 8080) with one ready pod.
    static let errorService = [
        F.service("errors", ports: "[{ name: http, port: 8080, targetPort: 8080 }, { name: metrics, port: 9090 }]"),
        F.slice("errors-1", service: "errors", endpoints: [("10.0.9.1", true, true, false)]),
    ]
    /// Service infra/fallback, the controller's default backend.
    static let fallbackService = [
        F.service("fallback", namespace: "infra"),
        F.slice("fallback-1", service: "fallback", namespace: "infra", endpoints: [("10.0.8.1", true, true, false)]),
    ]

    static func backend(_ annotations: [String: String], options: IngressTranslationOptions = IngressTranslationOptions(),
                        extra: [String] = []) throws -> (CompiledErrorBackend?, IngressTranslation) {
        let translation = try F.translate([F.ourClass, F.ingress("shop", annotations: annotations)] + F.web + errorService + fallbackService + extra,
                                          options: options)
        let route = IngressRequestAnnotationTests.compiledRoute(translation, host: "app.test", path: "/")
        return (route?.errorBackend, translation)
    }

    @Test(arguments: ["nginx.ingress.kubernetes.io/", "apus.dev/"])
    func customErrorsWithTheIngressDefaultBackend(prefix: String) throws {
        let (backend, translation) = try Self.backend([prefix + "custom-http-errors": "404, 503,502", prefix + "default-backend": "errors"])
        #expect(translation.diagnostics.isEmpty, "\(translation.diagnostics)")
        let compiled = try #require(backend)
        #expect(compiled.config.statuses == [404, 503, 502])
        #expect(compiled.intercepts(404) && compiled.intercepts(502) && !compiled.intercepts(500))
        // The Service's first port, an upstream of its own.
        let upstream = try #require(translation.configuration.upstreams.first { $0.name == compiled.config.upstream })
        #expect(upstream.name == "demo/errors:8080")
        #expect(upstream.endpoints.map(\.address) == ["10.0.9.1:8080"])
        #expect(String(decoding: compiled.routeLines, as: UTF8.self)
            == "X-Namespace: demo\r\nX-Ingress-Name: shop\r\nX-Service-Name: web\r\nX-Service-Port: 80\r\n")
    }

    @Test func defaultBackendAloneIsTheNoEndpointFallback() throws {
        let (backend, translation) = try Self.backend(["nginx.ingress.kubernetes.io/default-backend": "errors"])
        #expect(!translation.diagnostics.contains { $0.severity == .error })
        let compiled = try #require(backend)
        #expect(!compiled.interceptsStatuses)
        #expect(compiled.config.upstream == "demo/errors:8080")
    }

    @Test func theControllersDefaultBackendServesErrorsAndWhatNoRuleMatches() throws {
        let options = IngressTranslationOptions(defaultBackendService: ObjectKey(namespace: "infra", name: "fallback"), customHTTPErrors: [503])
        // Global statuses, served by the controller's backend.
        let (global, translation) = try Self.backend([:], options: options)
        #expect(global?.config.upstream == "infra/fallback:80")
        #expect(global?.config.statuses == [503])
        // What no rule matches goes to it too: another host, another path of the host.
        let catchAll = try #require(IngressRequestAnnotationTests.compiledRoute(translation, host: "other.test", path: "/x"))
        let (table, _) = RouteTableCompiler.compile(translation.configuration)
        guard case .proxy(let index) = catchAll.action else { Issue.record("not proxied"); return }
        #expect(table.upstreams[index].name == "infra/fallback:80")
        // The Ingress's own list replaces the global one; its default-backend replaces the controller's.
        let (own, _) = try Self.backend(["nginx.ingress.kubernetes.io/custom-http-errors": "404"], options: options)
        #expect(own?.config.statuses == [404])
        #expect(own?.config.upstream == "infra/fallback:80")
        let (ownBackend, _) = try Self.backend(["nginx.ingress.kubernetes.io/default-backend": "errors"], options: options)
        #expect(ownBackend?.config.upstream == "demo/errors:8080")
        #expect(ownBackend?.config.statuses == [503])
        // disable-proxy-intercept-errors: no status replaced, the fallback stays.
        let (off, _) = try Self.backend(
            ["nginx.ingress.kubernetes.io/default-backend": "errors", "nginx.ingress.kubernetes.io/disable-proxy-intercept-errors": "true"],
            options: options)
        #expect(off?.interceptsStatuses == false)
        #expect(off?.config.upstream == "demo/errors:8080")
    }

    @Test func customErrorsWithoutAnyBackendIsANote() throws {
        let (backend, translation) = try Self.backend(["nginx.ingress.kubernetes.io/custom-http-errors": "404"])
        #expect(backend == nil)
        #expect(translation.diagnostics.contains { $0.severity == .warning && $0.message.contains("custom-http-errors has no effect") })
        #expect(!translation.diagnostics.contains { $0.severity == .error })
    }

    @Test func aMissingOrEmptyDefaultBackendFallsBack() throws {
        let (missing, translation) = try Self.backend([
            "nginx.ingress.kubernetes.io/custom-http-errors": "404", "nginx.ingress.kubernetes.io/default-backend": "nowhere",
        ])
        #expect(missing == nil)
        #expect(translation.diagnostics.contains { $0.code == "default-backend-unavailable" && $0.message.contains("demo/nowhere") })
        let options = IngressTranslationOptions(defaultBackendService: ObjectKey(namespace: "infra", name: "fallback"))
        let (fallback, _) = try Self.backend(
            ["nginx.ingress.kubernetes.io/custom-http-errors": "404", "nginx.ingress.kubernetes.io/default-backend": "idle"],
            options: options, extra: [F.service("idle")])
        #expect(fallback?.config.upstream == "infra/fallback:80", "a default backend without endpoints gives way to the controller's")
    }

    @Test(arguments: [
        ("custom-http-errors", "404,abc"), ("custom-http-errors", "302"), ("custom-http-errors", "600"),
        ("default-backend", "Errors"), ("default-backend", "ns/errors"), ("disable-proxy-intercept-errors", "maybe"),
    ])
    func badValuesRefuseTheIngress(name: String, value: String) throws {
        for prefix in ["nginx.ingress.kubernetes.io/", "apus.dev/"] {
            let (backend, translation) = try Self.backend([prefix + name: value])
            #expect(backend == nil)
            let error = try #require(translation.diagnostics.first { $0.severity == .error })
            #expect(error.message.hasPrefix("annotation \(prefix)\(name): '"), "\(error.message)")
        }
    }
}
