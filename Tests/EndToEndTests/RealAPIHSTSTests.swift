import Foundation
import Testing

/// `apus controller --hsts` against a real kube-apiserver: Strict-Transport-Security goes
/// on HTTPS answers for a host an Ingress's TLS section lists (ingress-nginx's default
/// behaviour), never over plain HTTP, never on a host without a TLS section, and no longer
/// once the Ingress drops its TLS section.
@Suite struct RealAPIHSTSTests {
    @Test(.timeLimit(.endToEnd(4))) func hstsFollowsTheTLSSection() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let certificates = try await TLSTestCertificates.shared()
            let app = try await s.backend("a1", in: net)
            try await api.seed(services: ["app": [app]])
            try await api.create(try KubeObject.tlsSecret("wild-tls", certificates.wildcard))
            let withoutTLS = KubeObject.ingress("secure", host: "app.example.test", paths: [("/", "Prefix", "app", "http")])
            try await api.create(KubeObject.withTLS(withoutTLS, hosts: ["app.example.test"], secret: "wild-tls"))
            try await api.create(KubeObject.ingress("plain", host: "plain.example.test", paths: [("/", "Prefix", "app", "http")]))

            let (config, port, tlsPort, admin) = try s.controllerConfigWithTLS(certificates)
            let controller = try await s.apus(
                arguments: ["controller", "--config", config, "--kubeconfig", kubeconfig, "--hsts", "max-age=600; includeSubDomains"],
                waitFor: [port, tlsPort, admin])
            func https(_ host: String) async throws -> Curl.Result {
                try await s.curl(["--resolve", "\(host):\(tlsPort):127.0.0.1", "--cacert", certificates.ca, "-k", "https://\(host):\(tlsPort)/echo"])
            }

            let served = try await eventually(timeout: .seconds(15)) { try await https("app.example.test").header("Strict-Transport-Security") != nil }
            #expect(served, "stderr:\n\(controller.stderrTail())")
            let secured = try await https("app.example.test")
            #expect(secured.status == 200 && secured.header("Strict-Transport-Security") == "max-age=600; includeSubDomains", "\(secured)")
            let plainHost = try await https("plain.example.test")
            #expect(plainHost.status == 200 && plainHost.header("Strict-Transport-Security") == nil, "no TLS section: \(plainHost)")
            // Over plain HTTP the TLS host is redirected (ssl-redirect's default), without HSTS.
            let redirected = try await s.curl(["-H", "Host: app.example.test", "http://127.0.0.1:\(port)/echo"])
            #expect(redirected.status == 308 && redirected.header("Strict-Transport-Security") == nil, "\(redirected)")

            try await api.replace(withoutTLS)
            let dropped = try await eventually(timeout: .seconds(15)) {
                let answer = try await https("app.example.test")
                return answer.status == 200 && answer.header("Strict-Transport-Security") == nil
            }
            #expect(dropped, "no TLS section, no HSTS")
            let plainAgain = try await s.curl(["-H", "Host: app.example.test", "http://127.0.0.1:\(port)/echo"])
            #expect(plainAgain.status == 200, "nor the redirect: \(plainAgain)")
        }
    }
}
