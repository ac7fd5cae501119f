import Foundation
import Testing

/// The controller talks TLS to a real kube-apiserver through the project's OpenSSL layer: the CA
/// and the client certificate come from kubeconfig `*-data` fields (in memory, never written
/// out), the server is named by DNS (resolved, sent as SNI, checked against the certificate).
@Suite struct ControllerTLSTests {
    static func kubeconfig(_ s: Scenario, api: RealKubeAPI, withCA: Bool) throws -> String {
        func data(_ name: String) throws -> String { try Data(contentsOf: URL(fileURLWithPath: api.rig + "/pki/" + name)).base64EncodedString() }
        return try s.dir.write("kubeconfig-tls-\(withCA)", """
        apiVersion: v1
        kind: Config
        current-context: tls
        contexts: [{ name: tls, context: { cluster: api, user: admin } }]
        clusters: [{ name: api, cluster: { server: "https://localhost:\(api.port)"\(withCA ? ", certificate-authority-data: \(try data("ca.crt"))" : "") } }]
        users: [{ name: admin, user: { client-certificate-data: \(try data("admin.crt")), client-key-data: \(try data("admin.key")) } }]
        """)
    }

    /// With the cluster's CA: verified, authenticated by the client certificate, serving. Without
    /// it the system trust store does not know the server: refused, said, retried, and nothing is
    /// sent (the API server's audit log has no request from the controller).
    @Test(.timeLimit(.endToEnd(4))) func verifiedTLSWithClientCertificateAndUnknownServerRefused() async throws {
        try await withScenario(slots: 2) { s in
            let (api, _, net) = try await s.realCluster().parts
            let a1 = try await s.backend("a1", in: net)
            try await api.seed(services: ["a": [a1]])

            let unverified = try await ControllerUnderTest.start(s, kubeconfig: try Self.kubeconfig(s, api: api, withCA: false))
            let refused = await eventually(timeout: .seconds(10)) {
                unverified.apus.stderr.contains("TLS with the Kubernetes API at localhost:\(api.port) failed: certificate verify failed")
            }
            #expect(refused, "stderr:\n\(unverified.apus.stderrTail())")
            #expect(try await HTTPClient.request(port: unverified.admin, path: "/readyz").status == 503)
            #expect(!api.auditEvents().contains { $0.userAgent.hasPrefix("apus") }, "nothing is sent to an unverified server")

            let controller = try await ControllerUnderTest.start(s, kubeconfig: try Self.kubeconfig(s, api: api, withCA: true))
            #expect(try await controller.waitReady(timeout: .seconds(30)), "stderr:\n\(controller.apus.stderrTail())")
            #expect(try await controller.who("app.test", "/a") == "a1")
            #expect(controller.apus.stderr.contains("api=https://localhost:\(api.port)"))
            #expect(api.auditEvents().contains { $0.userAgent.hasPrefix("apus") && $0.user == "kubernetes-admin" && $0.verb == "list" })
        }
    }
}
