import Foundation
import Testing

/// The controller talks TLS to the API through the project's OpenSSL layer: the CA and the client
/// certificate come from kubeconfig `*-data` fields (in memory, never written out), the server is
/// named by DNS (resolved, sent as SNI, checked against the certificate).
@Suite struct ControllerTLSTests {
    static func kubeconfig(_ s: Scenario, port: Int, certificates: TLSTestCertificates, withCA: Bool) throws -> String {
        func data(_ path: String) throws -> String { try Data(contentsOf: URL(fileURLWithPath: path)).base64EncodedString() }
        return try s.dir.write("kubeconfig-tls-\(withCA)", """
        apiVersion: v1
        kind: Config
        current-context: tls
        contexts: [{ name: tls, context: { cluster: api, user: apus } }]
        clusters: [{ name: api, cluster: { server: "https://localhost:\(port)"\(withCA ? ", certificate-authority-data: \(try data(certificates.ca))" : "") } }]
        users: [{ name: apus, user: { client-certificate-data: \(try data(certificates.client.cert)), client-key-data: \(try data(certificates.client.key)) } }]
        """)
    }

    @Test(.timeLimit(.minutes(3))) func verifiedTLSWithClientCertificate() async throws {
        try await withScenario { s in
            let certificates = try await TLSTestCertificates.shared()
            let api = try await s.kubeAPI(tls: [certificates.app.cert, certificates.app.key, certificates.ca])
            let backend = try await s.backend("a1")
            try await api.seed(services: ["a": [backend]])
            let controller = try await ControllerUnderTest.start(
                s, api: api, kubeconfig: try Self.kubeconfig(s, port: api.port, certificates: certificates, withCA: true))
            #expect(try await controller.waitReady(), "stderr:\n\(controller.apus.stderrTail())")
            #expect(try await controller.who("app.test", "/a") == "a1")
            #expect(controller.apus.stderr.contains("api=https://localhost:\(api.port)"))
        }
    }

    /// Without the cluster's CA the system trust store does not know the server: refused, said, retried.
    @Test(.timeLimit(.minutes(3))) func unknownServerCertificateIsRefused() async throws {
        try await withScenario { s in
            let certificates = try await TLSTestCertificates.shared()
            let api = try await s.kubeAPI(tls: [certificates.app.cert, certificates.app.key])
            try await api.seed(services: [:])
            let controller = try await ControllerUnderTest.start(
                s, api: api, kubeconfig: try Self.kubeconfig(s, port: api.port, certificates: certificates, withCA: false))
            let refused = await eventually(timeout: .seconds(10)) {
                controller.apus.stderr.contains("TLS with the Kubernetes API at localhost:\(api.port) failed: certificate verify failed")
            }
            #expect(refused, "stderr:\n\(controller.apus.stderrTail())")
            #expect(try await HTTPClient.request(port: controller.admin, path: "/readyz").status == 503)
            #expect(try await api.requests().isEmpty, "nothing is sent to an unverified server")
        }
    }
}
