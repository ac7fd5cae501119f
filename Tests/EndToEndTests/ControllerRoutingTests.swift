import Foundation
import Testing

/// `apus controller` against the Kubernetes API test server with real Python backends: Ingresses
/// become routes, EndpointSlices move traffic, a missing Service answers 503 on its own paths only.
@Suite struct ControllerRoutingTests {
    /// Routes appear once every kind is listed (/readyz turns 200 only then); a second EndpointSlice
    /// spreads traffic, deleting the first moves it all to the second.
    @Test(.timeLimit(.minutes(3))) func routesAppearAndEndpointsMoveTraffic() async throws {
        try await withScenario { s in
            let api = try await s.kubeAPI()
            let backends = try await s.backends(["a1", "a2", "b1"])
            try await api.seed(services: ["a": [backends["a1"]!], "b": [backends["b1"]!]])
            let controller = try await ControllerUnderTest.start(s, api: api)
            #expect(try await controller.waitReady(), "never ready; stderr:\n\(controller.apus.stderrTail())")
            #expect(try await controller.who("app.test", "/a/x") == "a1")
            #expect(try await controller.who("app.test", "/b") == "b1")
            #expect(try await controller.who("other.test", "/a") == "status 404")

            try await api.apply(KubeObject.endpointSlice("a-a2", service: "a", port: backends["a2"]!.port))
            let spread = try await eventually(timeout: .seconds(5)) { try await controller.answers("app.test", "/a") == ["a1", "a2"] }
            #expect(spread, "a second EndpointSlice did not add a2; stderr:\n\(controller.apus.stderrTail())")

            try await api.delete("EndpointSlice", "demo", "a-a1")
            let moved = try await eventually(timeout: .seconds(5)) { try await controller.answers("app.test", "/a") == ["a2"] }
            #expect(moved, "deleting a-a1 did not move all traffic to a2")

            // Not ready: the endpoint stays in the slice but is not used.
            try await api.apply(KubeObject.endpointSlice("a-a2", service: "a", port: backends["a2"]!.port, ready: false))
            let drained = try await eventually(timeout: .seconds(5)) { try await controller.answers("app.test", "/a", count: 2) == ["status 503"] }
            #expect(drained, "a not-ready endpoint still serves")
            try await api.apply(KubeObject.endpointSlice("a-a2", service: "a", port: backends["a2"]!.port, ready: true))
            #expect(try await eventually(timeout: .seconds(5)) { try await controller.answers("app.test", "/a", count: 2) == ["a2"] })
        }
    }

    /// Deleting a Service makes its paths answer 503 while the other Service's paths keep working,
    /// and /routes says which Ingress lost what and why.
    @Test(.timeLimit(.minutes(3))) func deletedServiceAnswers503OnItsPathsOnly() async throws {
        try await withScenario { s in
            let api = try await s.kubeAPI()
            let backends = try await s.backends(["a1", "b1"])
            try await api.seed(services: ["a": [backends["a1"]!], "b": [backends["b1"]!]])
            let controller = try await ControllerUnderTest.start(s, api: api)
            #expect(try await controller.waitReady())
            #expect(try await controller.who("app.test", "/b") == "b1")
            try await api.delete("Service", "demo", "b")
            let gone = try await eventually(timeout: .seconds(5)) { try await controller.who("app.test", "/b") == "status 503" }
            #expect(gone, "paths of a deleted Service must answer 503")
            #expect(try await controller.who("app.test", "/a") == "a1", "the other Service keeps working")
            let routes = try await HTTPClient.request(port: controller.admin, path: "/routes").bodyText
            #expect(routes.contains("service-missing") && routes.contains("\"kind\":\"Ingress\"") && routes.contains("Service demo/b does not exist"),
                    "/routes names the Ingress and the missing Service: \(routes.suffix(800))")
        }
    }

    /// Lists are read in pages (`--list-page-size 2`: limit and continue), and every item of every page is served.
    @Test(.timeLimit(.minutes(3))) func pagedListsServeEveryItem() async throws {
        try await withScenario { s in
            let api = try await s.kubeAPI()
            let backend = try await s.backend("a1")
            try await api.seed(services: ["a": [backend]])
            try await api.apply((1...5).map { KubeObject.ingress("extra\($0)", host: "h\($0).test", paths: [("/", "Prefix", "a", "http")]) })
            let controller = try await ControllerUnderTest.start(s, api: api, extra: ["--list-page-size", "2"])
            #expect(try await controller.waitReady())
            for index in 1...5 { #expect(try await controller.who("h\(index).test", "/") == "a1") }
            let paths = try await api.requests().map(\.path)
            #expect(paths.contains { $0.hasPrefix("/apis/networking.k8s.io/v1/ingresses?limit=2&continue=") }, "second page asked with continue: \(paths)")
            #expect(paths.contains { $0.contains("/api/v1/secrets?") && $0.contains("fieldSelector=type%3Dkubernetes.io%2Ftls") }, "Secrets listed by field selector: \(paths)")
            #expect(paths.contains { $0.contains("watch=1") && $0.contains("allowWatchBookmarks=true") && $0.contains("resourceVersion=") })
        }
    }

    /// `--watch-namespace` lists and watches that namespace only (IngressClasses stay cluster-wide), and
    /// Ingresses elsewhere are not served.
    @Test(.timeLimit(.minutes(3))) func watchNamespaceLimitsScope() async throws {
        try await withScenario { s in
            let api = try await s.kubeAPI()
            let backend = try await s.backend("a1")
            try await api.seed(services: ["a": [backend]])
            try await api.apply([KubeObject.service("a", namespace: "other"),
                                 KubeObject.endpointSlice("a-1", namespace: "other", service: "a", port: backend.port),
                                 KubeObject.ingress("elsewhere", namespace: "other", host: "other.test", paths: [("/", "Prefix", "a", "http")])])
            let controller = try await ControllerUnderTest.start(s, api: api, extra: ["--watch-namespace", "demo"])
            #expect(try await controller.waitReady())
            #expect(try await controller.who("app.test", "/a") == "a1")
            #expect(try await controller.who("other.test", "/") == "status 404")
            let paths = try await api.requests().map(\.path)
            #expect(paths.contains { $0.hasPrefix("/apis/networking.k8s.io/v1/namespaces/demo/ingresses?") })
            #expect(paths.contains { $0.hasPrefix("/apis/networking.k8s.io/v1/ingressclasses?") })
            #expect(!paths.contains { $0.hasPrefix("/apis/networking.k8s.io/v1/ingresses?") }, "no cluster-wide Ingress list: \(paths)")
        }
    }
}
