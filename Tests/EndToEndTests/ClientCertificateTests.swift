import Foundation
import Testing

/// `client_certificates` (ingress-nginx's `auth-tls-*`) with real clients (curl, `openssl
/// s_client`) and certificates from `certs/make-dev-certs.sh`: each verify mode, what the
/// upstream is told, the error page and `match_cn`, a request on another host's handshake,
/// and session resumption across hosts.
@Suite struct ClientCertificateTests {
    static func start(_ s: Scenario, authService: Int? = nil) async throws -> (port: Int, certificates: TLSTestCertificates) {
        let certificates = try await TLSTestCertificates.shared()
        let backend = try await s.backend("app")
        let authRoute = authService.map { auth in """
          - host: authed.example.test
            client_certificates: { ca: \(certificates.ca), verify: optional }
            external_auth: { url: "http://127.0.0.1:\(auth)/verify" }
            paths: [{ path: /, upstream: app }]
        """ } ?? ""
        let port = try s.port()
        let ca = certificates.ca
        _ = try await s.apus("""
        workers: 1
        listeners:
          - name: https
            listen: 127.0.0.1:\(port)
            tls:
              certificates:
                - { cert: \(certificates.app.cert), key: \(certificates.app.key) }
                - { cert: \(certificates.wildcard.cert), key: \(certificates.wildcard.key) }
        routes:
          - host: app.example.test
            client_certificates: { ca: \(ca), verify: on, pass_certificate: true, match_cn: "^CN=apus-client$" }
            paths: [{ path: /, upstream: app }]
          - host: opt.example.test
            client_certificates: { ca: \(ca), verify: optional }
            paths: [{ path: /, upstream: app }]
          - host: noca.example.test
            client_certificates: { ca: \(ca), verify: optional_no_ca }
            paths: [{ path: /, upstream: app }]
          - host: help.example.test
            client_certificates: { ca: \(ca), error_page: "https://help.example.test/certificates" }
            paths: [{ path: /, upstream: app }]
          - host: other.example.test
            client_certificates: { ca: \(ca), match_cn: "CN=someone-else" }
            paths: [{ path: /, upstream: app }]
          - host: open.example.test
            paths: [{ path: /, upstream: app }]
        \(authRoute)
        upstreams:
          app: { endpoints: [\(backend.endpoint)] }
        """, waitFor: [port])
        return (port, certificates)
    }

    /// curl to `https://HOST:PORT/echo` resolved to the listener, trusting the dev CA.
    static func curl(_ s: Scenario, _ port: Int, _ certificates: TLSTestCertificates, host: String,
                     certificate: TLSTestCertificates.Pair? = nil, extra: [String] = []) async throws -> Curl.Result {
        var arguments = ["--resolve", "\(host):\(port):127.0.0.1", "--cacert", certificates.ca]
        if let certificate { arguments += ["--cert", certificate.cert, "--key", certificate.key] }
        return try await s.curl(arguments + extra + ["https://\(host):\(port)/echo"])
    }

    @Test(.timeLimit(.endToEnd(3))) func eachModeAndWhatTheUpstreamIsTold() async throws {
        try await withScenario { s in
            let (port, certificates) = try await Self.start(s)

            // verify on: a valid certificate (whose subject match_cn accepts) is let through,
            // and the upstream hears of it.
            let verified = try await Self.curl(s, port, certificates, host: "app.example.test", certificate: certificates.client,
                                               extra: ["-H", "ssl-client-verify: FORGED"])
            #expect(verified.status == 200, "\(verified)")
            let echo = try EchoReply(Array(verified.body))
            #expect(echo.headerValues("ssl-client-verify") == ["SUCCESS"], "the client's own field is replaced")
            #expect(echo.header("ssl-client-subject-dn") == "CN=apus-client")
            #expect(echo.header("ssl-client-issuer-dn") == "CN=Apus Development CA")
            let pem = try #require(echo.header("ssl-client-cert")).removingPercentEncoding ?? ""
            let expected = try String(contentsOfFile: certificates.client.cert, encoding: .utf8)
            #expect(pem.trimmingCharacters(in: .whitespacesAndNewlines) == expected.trimmingCharacters(in: .whitespacesAndNewlines))
            // None, or one of another CA: 400 with nginx's reasons.
            let none = try await Self.curl(s, port, certificates, host: "app.example.test")
            #expect(none.status == 400)
            #expect(String(decoding: none.body, as: UTF8.self) == "400 No required SSL certificate was sent\n")
            let foreign = try await Self.curl(s, port, certificates, host: "app.example.test", certificate: certificates.untrusted)
            #expect(foreign.status == 400)
            #expect(String(decoding: foreign.body, as: UTF8.self) == "400 The SSL certificate error\n")

            // optional: none is let through and said to be none.
            let optionalNone = try await Self.curl(s, port, certificates, host: "opt.example.test", extra: ["-H", "ssl-client-subject-dn: CN=admin"])
            #expect(optionalNone.status == 200)
            let optionalEcho = try EchoReply(Array(optionalNone.body))
            #expect(optionalEcho.header("ssl-client-verify") == "NONE")
            #expect(optionalEcho.header("ssl-client-subject-dn") == nil, "a client cannot supply the subject")
            #expect(optionalEcho.header("ssl-client-cert") == nil, "not passed without pass_certificate")
            #expect(try await Self.curl(s, port, certificates, host: "opt.example.test", certificate: certificates.client).status == 200)
            let wrongSubject = try await Self.curl(s, port, certificates, host: "opt.example.test", certificate: certificates.untrusted)
            #expect(wrongSubject.status == 400, "optional still refuses a certificate that does not verify")

            // optional_no_ca: one that does not verify is let through, and the upstream is told why.
            let unverified = try await Self.curl(s, port, certificates, host: "noca.example.test", certificate: certificates.untrusted)
            #expect(unverified.status == 200)
            let noCAEcho = try EchoReply(Array(unverified.body))
            #expect(noCAEcho.header("ssl-client-verify")?.hasPrefix("FAILED:") == true, "\(noCAEcho.headers)")
            #expect(noCAEcho.header("ssl-client-subject-dn") == "CN=untrusted")

            // The error page instead of the 400.
            let help = try await Self.curl(s, port, certificates, host: "help.example.test")
            #expect(help.status == 302)
            #expect(help.header("Location") == "https://help.example.test/certificates")

            // A verified certificate whose subject match_cn refuses: 403 (as none would be).
            let other = try await Self.curl(s, port, certificates, host: "other.example.test", certificate: certificates.client)
            #expect(other.status == 403)
            #expect(String(decoding: other.body, as: UTF8.self) == "client certificate unauthorized\n")

            // A request for an mTLS host on a connection whose handshake was for another: 421.
            let misdirected = try await Self.curl(s, port, certificates, host: "open.example.test", extra: ["-H", "Host: app.example.test"])
            #expect(misdirected.status == 421)
            #expect(try await Self.curl(s, port, certificates, host: "open.example.test").status == 200)
        }
    }

    /// The auth service hears the certificate as the upstream does (ingress-nginx's auth
    /// location sets the same fields), never the client's own spelling of them.
    @Test(.timeLimit(.endToEnd(3))) func theAuthServiceIsToldToo() async throws {
        try await withScenario { s in
            let auth = try await s.authService()
            let (port, certificates) = try await Self.start(s, authService: auth)
            let forged = [("ssl-client-verify", "SUCCESS"), ("ssl_client_subject_dn", "CN=admin")]
            let withCertificate = try await Self.curl(s, port, certificates, host: "authed.example.test", certificate: certificates.client,
                                                      extra: forged.flatMap { ["-H", "\($0.0): \($0.1)"] } + ["-H", "Authorization: Bearer good"])
            #expect(withCertificate.status == 200, "\(withCertificate)")
            let without = try await Self.curl(s, port, certificates, host: "authed.example.test",
                                              extra: forged.flatMap { ["-H", "\($0.0): \($0.1)"] } + ["-H", "Authorization: Bearer good"])
            #expect(without.status == 200)
            let seen = try await s.requestsSeen(port: auth)
            #expect(seen.count == 2)
            #expect(seen.first?.headers["ssl-client-verify"] == "SUCCESS")
            #expect(seen.first?.headers["ssl-client-subject-dn"] == "CN=apus-client")
            #expect(seen.last?.headers["ssl-client-verify"] == "NONE", "the client's forged value is not passed")
            #expect(seen.allSatisfy { $0.headers["ssl_client_subject_dn"] == nil })
            let upstream = try EchoReply(Array(without.body))
            #expect(upstream.header("ssl_client_subject_dn") == nil && upstream.header("ssl-client-subject-dn") == nil)
        }
    }

    /// A session resumes only under the policy it was made with: a ticket from a host
    /// without client certificates (or with another policy) gets a full handshake that
    /// asks for one, never a certificate judged by other CAs.
    @Test(.timeLimit(.endToEnd(3)), arguments: ["-tls1_3", "-tls1_2"])
    func sessionsResumeOnlyUnderTheirPolicy(version: String) async throws {
        try await withScenario { s in
            let (port, certificates) = try await Self.start(s)
            func request(_ host: String, certificate: Bool, sessionOut: String? = nil, sessionIn: String? = nil) async throws -> (reused: Bool, status: String) {
                var arguments = ["s_client", version, "-connect", "127.0.0.1:\(port)", "-servername", host, "-CAfile", certificates.ca, "-ign_eof"]
                if certificate { arguments += ["-cert", certificates.client.cert, "-key", certificates.client.key] }
                if let sessionOut { arguments += ["-sess_out", s.dir.file(sessionOut)] }
                if let sessionIn { arguments += ["-sess_in", s.dir.file(sessionIn)] }
                let output = try await Tool.run("/usr/bin/openssl", arguments, in: s.dir,
                                                stdin: "GET /echo HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n")
                let status = output.stdout.split(separator: "\n").first { $0.hasPrefix("HTTP/1.1 ") }.map(String.init) ?? "no response"
                return (output.stdout.contains("\nReused, "), status)
            }
            // Made on a host that asks for nothing: not resumed on app, which asks.
            _ = try await request("open.example.test", certificate: true, sessionOut: "open.session")
            let fromOpen = try await request("app.example.test", certificate: true, sessionIn: "open.session")
            #expect(!fromOpen.reused)
            #expect(fromOpen.status.hasPrefix("HTTP/1.1 200"), "\(fromOpen)")
            // Made on app with the client's certificate: resumed there, the certificate still known.
            _ = try await request("app.example.test", certificate: true, sessionOut: "app.session")
            let again = try await request("app.example.test", certificate: false, sessionIn: "app.session")
            #expect(again.reused)
            #expect(again.status.hasPrefix("HTTP/1.1 200"), "\(again)")
            // Not on other, whose CAs never judged that certificate.
            let elsewhere = try await request("other.example.test", certificate: false, sessionIn: "app.session")
            #expect(!elsewhere.reused)
            #expect(elsewhere.status.hasPrefix("HTTP/1.1 400"), "\(elsewhere)")
        }
    }
}
