import Foundation
import Testing

/// `auth-tls-*` with `apus controller` against a real kube-apiserver: the CA comes from an
/// Opaque Secret through the controller's Secret watch, clients are checked on an HTTPS
/// listener, and deleting the Secret closes the host (403) rather than opening it.
@Suite struct RealAPIClientCertificateTests {
    @Test(.timeLimit(.endToEnd(4))) func clientsAreCheckedAgainstTheSecretsCA() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let certificates = try await TLSTestCertificates.shared()
            let app = try await s.backend("a1", in: net)
            try await api.seed(services: ["app": [app]])
            let ca = try String(contentsOfFile: certificates.ca, encoding: .utf8)
            try await api.create(["apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": ["name": "client-ca", "namespace": "demo"],
                                  "data": ["ca.crt": Data(ca.utf8).base64EncodedString()]])
            let ingress = KubeObject.ingress("mtls", host: "app.example.test", paths: [("/", "Prefix", "app", "http")], annotations: [
                "nginx.ingress.kubernetes.io/auth-tls-secret": "demo/client-ca",
                "nginx.ingress.kubernetes.io/auth-tls-verify-client": "on",
                "nginx.ingress.kubernetes.io/auth-tls-pass-certificate-to-upstream": "true",
            ])
            try await api.create(ingress)

            let (config, port, tlsPort, admin) = try s.controllerConfigWithTLS(certificates)
            let controller = try await s.apus(arguments: ["controller", "--config", config, "--kubeconfig", kubeconfig], waitFor: [port, tlsPort, admin])
            func request(certificate: Bool) async throws -> Curl.Result {
                var arguments = ["--resolve", "app.example.test:\(tlsPort):127.0.0.1", "--cacert", certificates.ca]
                if certificate { arguments += ["--cert", certificates.client.cert, "--key", certificates.client.key] }
                return try await s.curl(arguments + ["https://app.example.test:\(tlsPort)/echo"])
            }

            let served = try await eventually(timeout: .seconds(15)) { try await request(certificate: true).status == 200 }
            #expect(served, "stderr:\n\(controller.stderrTail())")
            let echo = try EchoReply(Array(try await request(certificate: true).body))
            #expect(echo.header("ssl-client-verify") == "SUCCESS")
            #expect(echo.header("ssl-client-subject-dn") == "CN=apus-client")
            #expect(echo.header("ssl-client-cert")?.hasPrefix("-----BEGIN%20CERTIFICATE-----") == true)
            #expect(try await request(certificate: false).status == 400)

            // No Secret: the host is closed, not opened.
            try await api.delete("/api/v1/namespaces/demo/secrets/client-ca")
            #expect(try await eventually(timeout: .seconds(15)) { try await request(certificate: true).status == 403 })
            #expect(!controller.stderrTail(200).contains("BEGIN CERTIFICATE"), "a certificate in the log")
        }
    }
}
