import Foundation
import Testing

/// RBAC as a real kube-apiserver enforces it, on the install manifests' own ClusterRole.
@Suite struct RealAPIPermissionsTests {
    static let clusterRole = "/apis/rbac.authorization.k8s.io/v1/clusterroles/apus"

    /// A ClusterRole without EndpointSlices: the 403 is logged naming the verb, the resource,
    /// its API group, the scope and the user (the missing rule); /readyz stays 503. Putting the
    /// rule back makes the controller sync and serve, with no restart.
    @Test(.timeLimit(.endToEnd(4))) func missingRuleIsNamedAndGrantingItSyncs() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let installed = try #require(try await api.get(Self.clusterRole))
            let rules = try #require(installed["rules"] as? [[String: Any]])
            let withoutSlices = rules.filter { ($0["resources"] as? [String])?.contains("endpointslices") != true }
            #expect(withoutSlices.count == rules.count - 1)
            try await api.patch(Self.clusterRole, ["rules": withoutSlices])

            let a1 = try await s.backend("a1", in: net)
            try await api.seed(services: ["a": [a1]])
            let controller = try await ControllerUnderTest.start(s, kubeconfig: kubeconfig)
            let logged = await eventually(timeout: .seconds(15)) {
                controller.apus.stderr.contains("may not list endpointslices at the cluster scope")
            }
            #expect(logged, "stderr:\n\(controller.apus.stderrTail())")
            let line = controller.apus.stderr.split(separator: "\n").first { $0.contains("may not list endpointslices") } ?? ""
            #expect(line.contains("level=error") && line.contains("system:serviceaccount:apus-system:apus")
                    && line.contains(#"apiGroups: [\"discovery.k8s.io\"], resources: [\"endpointslices\"], verbs: [\"list\"]"#), "\(line)")
            #expect(try await HTTPClient.request(port: controller.admin, path: "/readyz").status == 503, "not ready without EndpointSlices")

            try await api.patch(Self.clusterRole, ["rules": rules])
            #expect(try await controller.waitReady(timeout: .seconds(45)), "ready once the rule is granted; stderr:\n\(controller.apus.stderrTail())")
            #expect(try await controller.who("app.test", "/a") == "a1")
        }
    }
}
