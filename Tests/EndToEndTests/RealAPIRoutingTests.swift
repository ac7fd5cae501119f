import Foundation
import Testing

/// `apus controller` against a real kube-apiserver, authenticated as the install manifests'
/// ServiceAccount (its ClusterRole and Role, nothing more), with backends on a network
/// namespace's address: Ingresses become routes and EndpointSlice changes move traffic.
@Suite struct RealAPIRoutingTests {
    @Test(.timeLimit(.minutes(4))) func routesFollowIngressesAndEndpointSlices() async throws {
        try await withScenario(slots: 2) { s in
            let api = try await s.realKubeAPI()
            let kubeconfig = try await api.installController()
            let net = try await s.networkNamespace()
            let a1 = try await s.backend("a1", in: net)
            let a2 = try await s.backend("a2", in: net)
            let b1 = try await s.backend("b1", in: net)
            try await api.seed(services: ["a": [a1], "b": [b1]])
            let controller = try await ControllerUnderTest.start(s, kubeconfig: kubeconfig)
            #expect(try await controller.waitReady(timeout: .seconds(30)), "never ready; stderr:\n\(controller.apus.stderrTail())")
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

            // Everything the controller asked was allowed by its own RBAC rules.
            let refused = api.auditEvents().filter { $0.user == "system:serviceaccount:apus-system:apus" && ($0.code == 401 || $0.code == 403) }
            #expect(refused.isEmpty, "requests refused to the controller's ServiceAccount: \(refused.prefix(5))")
            #expect(api.auditEvents().contains { $0.user == "system:serviceaccount:apus-system:apus" && $0.verb == "watch" })
        }
    }
}
