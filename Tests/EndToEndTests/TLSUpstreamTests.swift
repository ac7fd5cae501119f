import Foundation
import Testing

/// HTTPS upstreams: a real nginx with TLS (and client-certificate checks) behind apus.
@Suite struct TLSUpstreamTests {
    static func start(_ s: Scenario, tls: String, clientCA: Bool = false, admin: Int? = nil)
        async throws -> (apus: ApusProcess, port: Int, nginx: NginxBackend) {
        let certificates = try await TLSTestCertificates.shared()
        let nginx = try await s.nginx(tls: certificates.app, clientCA: clientCA ? certificates.ca : nil)
        try "hello over tls\n".write(toFile: nginx.root + "/hello.txt", atomically: true, encoding: .utf8)
        let port = try s.port()
        let apus = try await s.apus(ApusConfig.proxyAll(
            listen: port, admin: admin, endpoints: [nginx.endpoint], upstreamOptions: "tls: \(tls)"), waitFor: [port])
        return (apus, port, nginx)
    }

    @Test(.timeLimit(.endToEnd(3))) func verifiedUpstreamWithPooledConnections() async throws {
        try await withScenario { s in
            let certificates = try await TLSTestCertificates.shared()
            let (_, port, nginx) = try await Self.start(s, tls: "{ ca: \(certificates.ca), server_name: app.example.test }")
            for _ in 0..<5 {
                let result = try await s.curl(["http://127.0.0.1:\(port)/hello.txt"])
                #expect(result.status == 200, "\(result)")
                #expect(result.bodyText == "hello over tls\n")
                #expect(result.header("X-TLS-Protocol") == "TLSv1.3")
            }
            // Five requests, one TLS connection kept alive in the pool.
            let connections = Set(nginx.accessLog().map(\.connection))
            #expect(nginx.accessLog().count == 5)
            #expect(connections.count == 1, "nginx saw connections \(connections)")
        }
    }

    @Test(.timeLimit(.endToEnd(3))) func failedVerificationIsA502() async throws {
        try await withScenario { s in
            let certificates = try await TLSTestCertificates.shared()
            let cases = [
                "{ ca: \(certificates.untrustedCA), server_name: localhost }",   // wrong CA
                "{ ca: \(certificates.ca), server_name: other.example.org }",    // name not in the certificate
                "true",                                                          // system CAs don't know the test CA
            ]
            for tls in cases {
                let admin = try s.port()
                let (_, port, _) = try await Self.start(s, tls: tls, admin: admin)
                let result = try await s.curl(["http://127.0.0.1:\(port)/hello.txt"])
                #expect(result.status == 502, "tls: \(tls): \(result)")
                let counted = try await Probe.metric(adminPort: admin, "apus_upstream_errors_total{upstream=\"app\",kind=\"tls_handshake\"}")
                #expect((counted ?? 0) >= 1, "tls: \(tls)")
            }
        }
    }

    @Test(.timeLimit(.endToEnd(3))) func verificationCanBeTurnedOffAndIPsAreChecked() async throws {
        try await withScenario { s in
            let certificates = try await TLSTestCertificates.shared()
            // verify: false accepts the untrusted chain; an IP endpoint without server_name is
            // checked against the certificate's IP SAN (127.0.0.1 is in it).
            for tls in ["{ verify: false }", "{ ca: \(certificates.ca) }"] {
                let (_, port, _) = try await Self.start(s, tls: tls)
                let result = try await s.curl(["http://127.0.0.1:\(port)/hello.txt"])
                #expect(result.status == 200, "tls: \(tls): \(result)")
            }
        }
    }

    @Test(.timeLimit(.endToEnd(3))) func clientCertificateIsPresented() async throws {
        try await withScenario { s in
            let certificates = try await TLSTestCertificates.shared()
            let without = try await Self.start(s, tls: "{ ca: \(certificates.ca), server_name: localhost }", clientCA: true)
            let refused = try await s.curl(["http://127.0.0.1:\(without.port)/hello.txt"])
            #expect(refused.status == 400, "nginx answers 400 when no client certificate came: \(refused)")

            let with = try await Self.start(
                s, tls: "{ ca: \(certificates.ca), server_name: localhost, cert: \(certificates.client.cert), key: \(certificates.client.key) }",
                clientCA: true)
            let accepted = try await s.curl(["http://127.0.0.1:\(with.port)/hello.txt"])
            #expect(accepted.status == 200, "\(accepted)")
            #expect(accepted.header("X-Client-Verify") == "SUCCESS")
            #expect(accepted.header("X-Client-Subject")?.contains("CN=apus-client") == true)
        }
    }
}
