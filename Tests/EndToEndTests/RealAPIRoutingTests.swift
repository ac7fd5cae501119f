import Foundation
import Testing

/// `apus controller` against a real kube-apiserver, authenticated as the install manifests'
/// ServiceAccount (its ClusterRole and Role, nothing more), with backends on a network
/// namespace's address: Ingresses become routes and EndpointSlice changes move traffic.
@Suite struct RealAPIRoutingTests {
    static let controllerUser = "system:serviceaccount:apus-system:apus"

    /// Lists are read in pages (`--list-page-size 2`: limit and continue) and every item of
    /// every page is served; a second EndpointSlice spreads traffic, deleting the first moves
    /// it, a not-ready endpoint is not used; a deleted Service answers 503 on its own paths
    /// only, and /routes says why.
    @Test(.timeLimit(.endToEnd(4))) func routesFollowIngressesAndEndpointSlices() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let a1 = try await s.backend("a1", in: net)
            let a2 = try await s.backend("a2", in: net)
            let b1 = try await s.backend("b1", in: net)
            try await api.seed(services: ["a": [a1], "b": [b1]])
            try await api.create((1...5).map { KubeObject.ingress("extra\($0)", host: "h\($0).test", paths: [("/", "Prefix", "a", "http")]) })
            let controller = try await ControllerUnderTest.startReady(s, kubeconfig: kubeconfig, extra: ["--list-page-size", "2"])
            for index in 1...5 { #expect(try await controller.who("h\(index).test", "/") == "a1") }
            let asked = api.auditEvents().filter { $0.user == Self.controllerUser }.map(\.uri)
            #expect(asked.contains { $0.hasPrefix("/apis/networking.k8s.io/v1/ingresses?limit=2&continue=") }, "second page asked with continue: \(asked)")
            #expect(asked.contains { $0.hasPrefix("/api/v1/secrets?") && $0.contains("fieldSelector=type%3Dkubernetes.io%2Ftls") }, "Secrets listed by field selector: \(asked)")
            #expect(try await controller.who("app.test", "/a/x") == "a1")
            #expect(try await controller.who("app.test", "/b") == "b1")
            #expect(try await controller.who("other.test", "/a") == "status 404")

            try await api.create(KubeObject.endpointSlice("a-a2", service: "a", address: net.address, port: a2.port))
            let spread = try await eventually(timeout: .seconds(10)) { try await controller.answers("app.test", "/a") == ["a1", "a2"] }
            #expect(spread, "a second EndpointSlice did not add a2; stderr:\n\(controller.apus.stderrTail())")

            try await api.delete("/apis/discovery.k8s.io/v1/namespaces/demo/endpointslices/a-a1")
            let moved = try await eventually(timeout: .seconds(10)) { try await controller.answers("app.test", "/a") == ["a2"] }
            #expect(moved, "deleting a-a1 did not move all traffic to a2")

            try await api.replace(KubeObject.endpointSlice("a-a2", service: "a", address: net.address, port: a2.port, ready: false))
            let drained = try await eventually(timeout: .seconds(10)) { try await controller.answers("app.test", "/a", count: 2) == ["status 503"] }
            #expect(drained, "a not-ready endpoint still serves")

            // A new Ingress, then a Service deleted: its paths answer 503, the others keep working.
            try await api.create(KubeObject.ingress("second", host: "second.test", paths: [("/", "Prefix", "b", "http")]))
            #expect(try await eventually(timeout: .seconds(10)) { try await controller.who("second.test", "/x") == "b1" })
            try await api.delete("/api/v1/namespaces/demo/services/b")
            #expect(try await eventually(timeout: .seconds(10)) { try await controller.who("second.test", "/x") == "status 503" })
            #expect(try await controller.who("h1.test", "/") == "status 503", "a's endpoint is not ready")
            let routes = try await HTTPClient.request(port: controller.admin, path: "/routes").bodyText
            #expect(routes.contains("service-missing") && routes.contains("Service demo/b does not exist"), "/routes names the missing Service: \(routes.suffix(800))")

            // Everything the controller asked was allowed by its own RBAC rules.
            let refused = api.auditEvents().filter { $0.user == Self.controllerUser && ($0.code == 401 || $0.code == 403) }
            #expect(refused.isEmpty, "requests refused to the controller's ServiceAccount: \(refused.prefix(5))")
            #expect(api.auditEvents().contains { $0.user == Self.controllerUser && $0.verb == "watch" && $0.uri.contains("allowWatchBookmarks=true") })
        }
    }

    /// `--watch-namespace` lists and watches that namespace only (IngressClasses stay
    /// cluster-wide), and Ingresses elsewhere are not served.
    @Test(.timeLimit(.endToEnd(4))) func watchNamespaceLimitsScope() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let a1 = try await s.backend("a1", in: net)
            try await api.seed(services: ["a": [a1]])
            try await api.create([KubeObject.namespace("other"), KubeObject.service("a", namespace: "other"),
                                  KubeObject.endpointSlice("a-1", namespace: "other", service: "a", address: net.address, port: a1.port),
                                  KubeObject.ingress("elsewhere", namespace: "other", host: "other.test", paths: [("/", "Prefix", "a", "http")])])
            let controller = try await ControllerUnderTest.startReady(s, kubeconfig: kubeconfig, extra: ["--watch-namespace", "demo"])
            #expect(try await controller.who("app.test", "/a") == "a1")
            #expect(try await controller.who("other.test", "/") == "status 404")
            let asked = api.auditEvents().filter { $0.user == Self.controllerUser }.map(\.uri)
            #expect(asked.contains { $0.hasPrefix("/apis/networking.k8s.io/v1/namespaces/demo/ingresses?") })
            #expect(asked.contains { $0.hasPrefix("/apis/networking.k8s.io/v1/ingressclasses?") })
            #expect(!asked.contains { $0.hasPrefix("/apis/networking.k8s.io/v1/ingresses?") || $0.contains("/namespaces/other/") }, "nothing outside demo: \(asked)")
        }
    }
}
