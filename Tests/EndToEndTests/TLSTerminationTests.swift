import Foundation
import Testing

/// HTTPS listeners: real clients (curl, openssl s_client, Python's ssl) against the real
/// binary with certificates made at test time.
@Suite struct TLSTerminationTests {
    /// A listener with the wildcard certificate first (the default) and the app certificate second.
    static func start(_ s: Scenario, workers: String = "1", extra: String = "") async throws
        -> (apus: ApusProcess, port: Int, admin: Int, certificates: TLSTestCertificates, backend: PythonBackend) {
        let certificates = try await TLSTestCertificates.shared()
        let backend = try await s.backend("tls")
        let port = try s.port()
        let admin = try s.port()
        let yaml = """
        workers: \(workers)
        admin: { listen: 127.0.0.1:\(admin) }
        listeners:
          - name: https
            listen: 127.0.0.1:\(port)
            tls:
              certificates:
                - { cert: \(certificates.wildcard.cert), key: \(certificates.wildcard.key) }
                - { cert: \(certificates.app.cert), key: \(certificates.app.key) }
        routes:
          - paths: [{ path: /, type: Prefix, upstream: app }]
        upstreams:
          app: { endpoints: [\(backend.endpoint)] }
        \(extra)
        """
        let apus = try await s.apus(yaml, waitFor: [port])
        return (apus, port, admin, certificates, backend)
    }

    /// Each certificate's expiry is in /metrics once per name it covers, as Python's ssl
    /// module reads its notAfter.
    @Test(.timeLimit(.endToEnd(3))) func certificateExpiryIsInMetrics() async throws {
        try await withScenario { s in
            let (_, _, admin, certificates, _) = try await Self.start(s)
            let scrape = try await PrometheusScrape.scrape(adminPort: admin, in: s.dir)
            #expect(scrape.types["apus_ssl_certificate_expiry_seconds"] == "gauge")
            for pair in [certificates.wildcard, certificates.app] {
                let series = scrape.select("apus_ssl_certificate_expiry_seconds", ["certificate": pair.cert])
                let notAfter = try await RealAPIMetricsTests.notAfter(pair.cert, in: s.dir)
                #expect(!series.isEmpty && series.allSatisfy { $0.value == notAfter }, "\(pair.cert): \(series) vs \(notAfter)")
            }
            #expect(scrape.select("apus_ssl_certificate_expiry_seconds").count >= 2)
        }
    }

    /// The subject CN and protocol `openssl s_client` saw for a server name (nil: no SNI).
    static func handshake(_ s: Scenario, port: Int, serverName: String?, options: [String] = []) async throws -> Tool.Output {
        var arguments = ["s_client", "-connect", "127.0.0.1:\(port)"] + options
        if let serverName { arguments += ["-servername", serverName] } else { arguments.append("-noservername") }
        return try await Tool.run("/usr/bin/openssl", arguments, in: s.dir, stdin: "")
    }

    @Test(.timeLimit(.endToEnd(3))) func curlGetsResponsesOverTLS() async throws {
        try await withScenario { s in
            let (_, port, _, certificates, _) = try await Self.start(s)
            let result = try await s.curl(["--cacert", certificates.ca, "https://localhost:\(port)/echo"])
            #expect(result.status == 200, "\(result)")
            #expect(result.exitCode == 0, "\(result.stderr)")
            // The backend sees the request as one that came over https.
            let echo = try EchoReply(Array(result.body))
            #expect(echo.header("X-Forwarded-Proto") == "https")
            #expect(echo.header("X-Forwarded-Port") == String(port))
        }
    }

    @Test(.timeLimit(.endToEnd(3))) func sniPicksExactBeforeWildcardElseTheDefault() async throws {
        try await withScenario { s in
            let (_, port, _, _, _) = try await Self.start(s)
            let cases: [(String?, String)] = [
                ("app.example.test", "CN = app"),         // exact SAN beats the wildcard listed first
                ("APP.Example.Test", "CN = app"),         // names compare case-insensitively
                ("api.example.test", "CN = wildcard"),    // one label under the wildcard
                ("a.b.example.test", "CN = wildcard"),    // two labels: no match, default (the wildcard, first)
                ("localhost", "CN = app"),
                ("unknown.test", "CN = wildcard"),
                (nil, "CN = wildcard"),
            ]
            for (name, subject) in cases {
                let output = try await Self.handshake(s, port: port, serverName: name)
                #expect(output.stdout.contains("subject=\(subject)"), "\(name ?? "no SNI"): \(output.stdout.prefix(600))")
            }
        }
    }

    @Test(.timeLimit(.endToEnd(3))) func onlyTLS12And13WithModernCiphers() async throws {
        try await withScenario { s in
            let (_, port, _, certificates, _) = try await Self.start(s)
            let tls13 = try await Self.handshake(s, port: port, serverName: "localhost", options: ["-tls1_3", "-alpn", "http/1.1"])
            #expect(tls13.stdout.contains("New, TLSv1.3"), "\(tls13.stdout.prefix(800))")
            #expect(tls13.stdout.contains("ALPN protocol: http/1.1"))
            let tls12 = try await Self.handshake(s, port: port, serverName: "localhost", options: ["-tls1_2"])
            #expect(tls12.stdout.contains("Cipher is ECDHE-ECDSA-"), "\(tls12.stdout.prefix(800))")
            // HTTP/2 is on by default: ALPN prefers h2 (HTTP2DownstreamTests turns it off).
            // (curl rather than s_client: s_client is left waiting on an h2 connection that
            // speaks first, with its SETTINGS.)
            let h2First = try await s.curl(["-v", "--http2", "--cacert", certificates.ca, "https://localhost:\(port)/echo"])
            #expect(h2First.stderr.contains("ALPN: server accepted h2") && h2First.status == 200, "\(h2First.stderr.suffix(800))")
            // A client offering neither still connects, without ALPN.
            let other = try await Self.handshake(s, port: port, serverName: "localhost", options: ["-alpn", "spdy/3"])
            #expect(other.succeeded && other.stdout.contains("No ALPN negotiated"), "\(other.stdout.prefix(800))")
            for old in ["-tls1_1", "-tls1"] {
                let refused = try await Self.handshake(s, port: port, serverName: "localhost", options: [old, "-cipher", "DEFAULT@SECLEVEL=0"])
                #expect(!refused.succeeded || !refused.stdout.contains("Cipher is"), "\(old) was accepted: \(refused.stdout.prefix(400))")
                #expect(!refused.stdout.contains("New, TLSv1.1") && !refused.stdout.contains("New, TLSv1,"))
            }
            // A CBC-only TLS 1.2 client finds no common cipher.
            let cbc = try await Self.handshake(s, port: port, serverName: "localhost", options: ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA"])
            #expect(!cbc.stdout.contains("Cipher is ECDHE-ECDSA-AES128-SHA"), "\(cbc.stdout.prefix(400))")
        }
    }

    /// Python's ssl client: pipelined requests in one write, then a resumed session on a new connection.
    @Test(.timeLimit(.endToEnd(3))) func pipeliningAndSessionResumption() async throws {
        try await withScenario { s in
            let (_, port, _, certificates, _) = try await Self.start(s, workers: "2")
            let script = try s.dir.write("tls_client.py", Self.pythonClient)
            let output = try await Tool.run("/usr/bin/env", ["python3", script, String(port), certificates.ca], in: s.dir)
            #expect(output.succeeded, "\(output.stdout) \(output.stderr)")
            #expect(output.stdout.contains("pipelined 20 ok"), "\(output.stdout)")
            #expect(output.stdout.contains("resumed True"), "\(output.stdout)")
        }
    }

    /// Each connection offers the session the one before it ended with, as wrk does. A
    /// resumed TLS 1.3 connection has to hand out a fresh ticket (tickets are for one use,
    /// RFC 8446 C.4); without one the client holds no resumable session and every other
    /// connection pays a full handshake.
    @Test(.timeLimit(.endToEnd(3))) func everyResumptionHandsOutAFreshTicket() async throws {
        try await withScenario { s in
            let (_, port, _, certificates, _) = try await Self.start(s)
            var reused: [Bool] = []
            for index in 0..<4 {
                var arguments = ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "app.example.test", "-tls1_3",
                                 "-CAfile", certificates.ca, "-ign_eof", "-sess_out", s.dir.file("session\(index).pem")]
                if index > 0 { arguments += ["-sess_in", s.dir.file("session\(index - 1).pem")] }
                let output = try await Tool.run("/usr/bin/openssl", arguments, in: s.dir,
                                                stdin: "GET /echo HTTP/1.1\r\nHost: app.example.test\r\nConnection: close\r\n\r\n")
                #expect(output.stdout.contains("HTTP/1.1 200"), "connection \(index): \(output.stdout.prefix(300)) \(output.stderr.prefix(300))")
                reused.append(output.stdout.contains("\nReused, TLSv1.3"))
            }
            #expect(reused == [false, true, true, true])
        }
    }

    @Test(.timeLimit(.endToEnd(4))) func largeBodiesBothWays() async throws {
        try await withScenario(slots: 2) { s in
            let (apus, port, _, certificates, _) = try await Self.start(s, workers: "2")
            let size = 64 << 20
            let sampler = ResidentMemorySampler(apus)
            let download = s.dir.file("download.bin")
            let got = try await Curl.run(["--cacert", certificates.ca, "https://localhost:\(port)/bytes/\(size)"], in: s.dir,
                                         outputPath: download, timeout: .seconds(120))
            #expect(got.status == 200, "\(got)")
            let attributes = try FileManager.default.attributesOfItem(atPath: download)
            #expect((attributes[.size] as? Int) == size)
            let expected = try await s.curl(["--cacert", certificates.ca, "https://localhost:\(port)/bytes-sha/\(size)"]).bodyText
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await sha256(ofFile: download) == expected)

            let upload = try await Curl.run(["--cacert", certificates.ca, "-T", download, "-X", "POST", "https://localhost:\(port)/echo"],
                                            in: s.dir, timeout: .seconds(120))
            #expect(upload.status == 200, "\(upload)")
            let echo = try EchoReply(Array(upload.body))
            #expect(echo.bodyLength == size)
            #expect(echo.bodySHA256 == expected)
            let memory = sampler.stop()
            expectResidentMemory(memory.peakKiB < 100 * 1024, "apus peak RSS \(memory.peakKiB) KiB")
        }
    }

    @Test(.timeLimit(.endToEnd(3))) func silentClientIsCutAtTheHandshakeTimeout() async throws {
        try await withScenario { s in
            let (_, port, admin, _, _) = try await Self.start(s, extra: "timeouts: { tls_handshake: 500ms }")
            let connection = try await RawConnection.connect(port: port)
            let started = ContinuousClock.now
            #expect(try await connection.waitForClose(timeout: .seconds(5)))
            #expect(ContinuousClock.now - started < .seconds(3))
            // Plain HTTP on the HTTPS port fails the handshake and is closed too.
            let plain = try await RawConnection.connect(port: port)
            try await plain.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await plain.waitForClose(timeout: .seconds(5)))
            let failures = await eventually(timeout: .seconds(5)) {
                (try? await Probe.metric(adminPort: admin, "apus_tls_handshake_failures_total")).flatMap { $0 } ?? 0 >= 2
            }
            #expect(failures)
        }
    }

    /// apus on an HTTPS listener whose certificate and key are copies the test may replace
    /// (`live.crt`, `live.key` in the scenario's directory), proxying to one backend.
    static func startWithLiveCertificate(_ s: Scenario, workers: Int = 2) async throws -> (apus: ApusProcess, port: Int, certificates: TLSTestCertificates) {
        let certificates = try await TLSTestCertificates.shared()
        try s.dir.write("live.crt", try String(contentsOfFile: certificates.app.cert, encoding: .utf8))
        try s.dir.write("live.key", try String(contentsOfFile: certificates.app.key, encoding: .utf8))
        let backend = try await s.backend("tls")
        let port = try s.port()
        let apus = try await s.apus("""
        workers: \(workers)
        listeners:
          - listen: 127.0.0.1:\(port)
            tls: { certificates: [{ cert: live.crt, key: live.key }] }
        routes:
          - paths: [{ path: /, upstream: app }]
        upstreams:
          app: { endpoints: [\(backend.endpoint)] }
        """, waitFor: [port])
        return (apus, port, certificates)
    }

    /// A renewed certificate file is served without a restart; a broken one is a logged
    /// diagnostic and the previous certificate keeps serving.
    @Test(.timeLimit(.endToEnd(3))) func certificatesReloadWithoutRestart() async throws {
        try await withScenario { s in
            let (apus, port, certificates) = try await Self.startWithLiveCertificate(s)
            #expect(try await Self.handshake(s, port: port, serverName: "localhost").stdout.contains("subject=CN = app"))

            try s.dir.write("live.crt", "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
            let rejected = await eventually(timeout: .seconds(10)) { apus.stderrTail().contains("tls-certificate") }
            #expect(rejected, "\(apus.stderrTail())")
            #expect(try await Self.handshake(s, port: port, serverName: "localhost").stdout.contains("subject=CN = app"))

            // Key first, then certificate: the pair is consistent once the second file lands.
            try s.dir.write("live.key", try String(contentsOfFile: certificates.renewed.key, encoding: .utf8))
            try s.dir.write("live.crt", try String(contentsOfFile: certificates.renewed.cert, encoding: .utf8))
            let renewed = await eventually(timeout: .seconds(10)) {
                (try? await Self.handshake(s, port: port, serverName: "localhost"))?.stdout.contains("subject=CN = renewed") == true
            }
            #expect(renewed, "\(apus.stderrTail())")
            let result = try await s.curl(["--cacert", certificates.ca, "https://localhost:\(port)/echo"])
            #expect(result.status == 200)
        }
    }

    @Test(.timeLimit(.endToEnd(3))) func validateReportsBrokenCertificateFiles() async throws {
        try await withScenario { s in
            let certificates = try await TLSTestCertificates.shared()
            let config = try s.dir.write("tls.yaml", """
            listeners:
              - listen: 127.0.0.1:8443
                tls:
                  certificates:
                    - { cert: missing.crt, key: missing.key }
                    - { cert: \(certificates.app.cert), key: \(certificates.wildcard.key) }
            """)
            let output = try await ApusProcess.runToCompletion(["validate", config], in: s.dir)
            #expect(output.exit == .code(1), "\(output)")
            #expect(output.stdout.contains("\(config):5:11: error: listener '127.0.0.1:8443': cannot read certificate file \(s.dir.file("missing.crt")): No such file or directory\n"), "\(output.stdout)")
            #expect(output.stdout.contains("\(config):6:11: error: listener '127.0.0.1:8443': \(certificates.wildcard.key): cannot use the private key: key values mismatch"), "\(output.stdout)")
        }
    }

    static let pythonClient = """
    import socket, ssl, sys
    port, ca = int(sys.argv[1]), sys.argv[2]
    context = ssl.create_default_context(cafile=ca)
    context.set_alpn_protocols(["http/1.1"])

    def read_responses(sock, count):
        data = b""
        seen = 0
        while seen < count:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            seen = data.count(b'"body_sha256"')
        return data, seen

    with socket.create_connection(("127.0.0.1", port)) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            requests = b"".join(b"GET /echo?n=%d HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n" % i for i in range(20))
            tls.sendall(requests)
            data, seen = read_responses(tls, 20)
            order = [data.find(b"n=%d" % i) for i in range(20)]
            ok = seen == 20 and order == sorted(order) and -1 not in order
            print("pipelined", seen, "ok" if ok else "bad", order)
            session = tls.session

    with socket.create_connection(("127.0.0.1", port)) as raw:
        with context.wrap_socket(raw, server_hostname="localhost", session=session) as tls:
            tls.sendall(b"GET /echo HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n")
            read_responses(tls, 1)
            print("resumed", tls.session_reused)
    """
}
