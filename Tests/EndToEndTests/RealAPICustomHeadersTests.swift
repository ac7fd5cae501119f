import Foundation
import Testing

/// `custom-headers` with `apus controller` against a real kube-apiserver: the ConfigMap
/// comes through the controller's ConfigMap watch (and its RBAC), an edit changes the
/// responses, and deleting it closes the paths (503) as ingress-nginx does.
@Suite struct RealAPICustomHeadersTests {
    static func configMap(_ data: [String: String]) -> [String: Any] {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "shop-headers", "namespace": "demo"], "data": data]
    }

    @Test(.timeLimit(.endToEnd(4))) func headersFollowTheConfigMap() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let app = try await s.backend("a1", in: net)
            try await api.seed(services: ["app": [app]])
            try await api.create(Self.configMap(["X-Frame-Options": "DENY", "X-Team": "shop"]))
            let ingress = KubeObject.ingress("shop", host: "shop.test", paths: [("/", "Prefix", "app", "http")], annotations: ["nginx.ingress.kubernetes.io/custom-headers": "demo/shop-headers"])
            try await api.create(ingress)
            let controller = try await ControllerUnderTest.startReady(s, kubeconfig: kubeconfig)
            func get() async throws -> HTTPResponse { try await HTTPClient.request(port: controller.port, path: "/echo", host: "shop.test") }

            #expect(try await eventually(timeout: .seconds(10)) { try await get().header("X-Team") == "shop" }, "stderr:\n\(controller.apus.stderrTail())")
            #expect(try await get().header("X-Frame-Options") == "DENY")
            try await api.replace(Self.configMap(["X-Team": "checkout"]))
            #expect(try await eventually(timeout: .seconds(10)) { try await get().header("X-Team") == "checkout" })
            #expect(try await get().header("X-Frame-Options") == nil)
            try await api.delete("/api/v1/namespaces/demo/configmaps/shop-headers")
            #expect(try await eventually(timeout: .seconds(10)) { try await get().status == 503 })
            let refused = api.auditEvents().filter { $0.user == RealAPIRoutingTests.controllerUser && ($0.code == 401 || $0.code == 403) }
            #expect(refused.isEmpty, "requests refused to the controller's ServiceAccount: \(refused.prefix(5))")
        }
    }
}
