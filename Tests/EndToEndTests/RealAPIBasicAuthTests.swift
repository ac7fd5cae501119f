import Foundation
import Testing

/// Basic auth from an Opaque Secret, with `apus controller` against a real kube-apiserver
/// as the install manifests' ServiceAccount: the Secret is found through the Opaque-only
/// watch, an edit to it changes who gets in, and deleting it closes the paths (503).
@Suite struct RealAPIBasicAuthTests {
    static func secret(_ htpasswd: String) -> [String: Any] {
        ["apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": ["name": "basic-auth", "namespace": "demo"],
         "data": ["auth": Data(htpasswd.utf8).base64EncodedString()]]
    }

    static func status(_ controller: ControllerUnderTest, user: String?) async throws -> Int {
        var headers: [(String, String)] = []
        if let user { headers.append(("Authorization", "Basic " + Data(user.utf8).base64EncodedString())) }
        return try await HTTPClient.request(port: controller.port, path: "/", host: "app.test", headers: headers).status
    }

    @Test(.timeLimit(.endToEnd(4))) func usersFollowTheSecret() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let a1 = try await s.backend("a1", in: net)
            try await api.seed(services: ["a": [a1]])
            try await api.create(Self.secret("alice:$apr1$rP8Xc0Ue$fwBJI2YnUtEnPOMUNnua1.\n"))
            let ingress = KubeObject.ingress("protected", host: "app.test", paths: [("/", "Prefix", "a", "http")], annotations: [
                "nginx.ingress.kubernetes.io/auth-type": "basic", "nginx.ingress.kubernetes.io/auth-secret": "basic-auth",
                "nginx.ingress.kubernetes.io/auth-realm": "Authentication Required",
            ])
            try await api.create(ingress)
            let controller = try await ControllerUnderTest.startReady(s, kubeconfig: kubeconfig)

            let served = try await eventually(timeout: .seconds(10)) { try await Self.status(controller, user: "alice:secret1") == 200 }
            #expect(served, "stderr:\n\(controller.apus.stderrTail())")
            #expect(try await Self.status(controller, user: nil) == 401)
            #expect(try await Self.status(controller, user: "alice:wrong") == 401)

            // A new password in the Secret: the old one stops working.
            try await api.replace(Self.secret("alice:{SHA}NSIKr+5ZMMKFCatHd+QmGlIwagA=\n"))
            #expect(try await eventually(timeout: .seconds(10)) { try await Self.status(controller, user: "alice:secret6") == 200 })
            #expect(try await Self.status(controller, user: "alice:secret1") == 401)

            // No Secret: closed, not open.
            try await api.delete("/api/v1/namespaces/demo/secrets/basic-auth")
            #expect(try await eventually(timeout: .seconds(10)) { try await Self.status(controller, user: "alice:secret6") == 503 })

            let user = RealAPIRoutingTests.controllerUser
            let asked = api.auditEvents().filter { $0.user == user }.map(\.uri)
            #expect(asked.contains { $0.hasPrefix("/api/v1/secrets?") && $0.contains("fieldSelector=type%3DOpaque") }, "\(asked)")
            let refused = api.auditEvents().filter { $0.user == user && ($0.code == 401 || $0.code == 403) }
            #expect(refused.isEmpty, "requests refused to the controller's ServiceAccount: \(refused.prefix(5))")
            #expect(!controller.apus.stderrTail(200).contains("fwBJI2YnUtEnPOMUNnua1"), "a hash in the log")
        }
    }
}
