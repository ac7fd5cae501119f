import Foundation
import Testing

/// `https_redirect`: requests on a plain-HTTP listener get a redirect to the same URL over HTTPS
/// (308 by default, so methods and bodies are kept); a path may opt out (an ACME challenge) or
/// change the status; HSTS is never sent over plain HTTP.
@Suite struct HTTPSRedirectTests {
    static func start(_ s: Scenario) async throws -> Int {
        let backend = try await s.backend("app")
        let port = try s.port()
        _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
        routes:
          - host: app.example.test
            https_redirect: true
            hsts: { max_age: 31536000, include_subdomains: true }
            paths:
              - { path: /, upstream: app }
              - { path: /.well-known/acme-challenge, upstream: app, https_redirect: false }
              - { path: /legacy, upstream: app, https_redirect_status: 301 }
          - host: alt.example.test
            https_redirect: true
            https_port: 8443
            paths:
              - { path: /, respond: { status: 200, body: "never" } }
          - paths:
              - { path: /, upstream: app, https_redirect: true }
        upstreams:
          app: { endpoints: [\(backend.endpoint)] }
        """), waitFor: [port])
        return port
    }

    /// curl sees 308 with Location https://host/path?query (the request's port dropped, the target as
    /// sent), and no Strict-Transport-Security over plain HTTP.
    @Test(.timeLimit(.endToEnd(3))) func plainHTTPRedirected() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let curl = try await s.curl(["-H", "Host: app.example.test:\(port)", "http://127.0.0.1:\(port)/a/b%20c?x=1&y=%2F"])
            #expect(curl.status == 308, "\(curl)")
            #expect(curl.header("Location") == "https://app.example.test/a/b%20c?x=1&y=%2F")
            #expect(curl.header("Strict-Transport-Security") == nil)
            #expect(curl.header("X-Backend") == nil, "answered by apus, not the upstream")

            let alt = try await s.curl(["-H", "Host: Alt.Example.Test", "http://127.0.0.1:\(port)/"])
            #expect(alt.status == 308 && alt.header("Location") == "https://Alt.Example.Test:8443/")
            let legacy = try await s.curl(["-H", "Host: app.example.test", "http://127.0.0.1:\(port)/legacy?q"])
            #expect(legacy.status == 301 && legacy.header("Location") == "https://app.example.test/legacy?q")
        }
    }

    /// A path with `https_redirect: false` is served over plain HTTP (ACME HTTP-01 must be).
    @Test(.timeLimit(.endToEnd(3))) func pathOptsOut() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let curl = try await s.curl(["-H", "Host: app.example.test", "http://127.0.0.1:\(port)/.well-known/acme-challenge/tok"])
            #expect(curl.status == 200 && curl.header("X-Backend") == "app", "\(curl)")
        }
    }

    /// A POST gets the 308 too (a client repeats the method and body at the new URL); absolute-form
    /// targets and IPv6 literal hosts give a well-formed Location.
    @Test(.timeLimit(.endToEnd(3))) func postAbsoluteFormAndIPv6() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let response = try await HTTPClient.request(port: port, method: "POST", path: "/submit", host: "app.example.test",
                                                        body: Array("payload".utf8))
            #expect(response.status == 308)
            #expect(response.header("Location") == "https://app.example.test/submit")
            // An absolute-form target and an IPv6 literal host on the catch-all route.
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET http://[::1]:\(port)?q=1 HTTP/1.1\r\nHost: [::1]:\(port)\r\n\r\n")
            let absolute = try #require(try await connection.readResponse())
            #expect(absolute.status == 308 && absolute.header("Location") == "https://[::1]/?q=1")
        }
    }

    /// A Host that is not a DNS name or IP literal is not echoed into a Location.
    @Test(.timeLimit(.endToEnd(3))) func strangeHostRefused() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET / HTTP/1.1\r\nHost: evil.test@x\r\n\r\n")
            #expect(try await connection.readResponse()?.status == 400)
        }
    }
}

/// The TLS side: a host with `https_redirect` and `hsts` behind a plain and an HTTPS listener.
@Suite struct HTTPSRedirectOverTLSTests {
    static func start(_ s: Scenario) async throws -> (http: Int, https: Int, certificates: TLSTestCertificates) {
        let certificates = try await TLSTestCertificates.shared()
        let backend = try await s.backend("secure")
        let (http, https) = (try s.port(), try s.port())
        _ = try await s.apus("""
        workers: 1
        listeners:
          - { name: http, listen: 127.0.0.1:\(http) }
          - name: https
            listen: 127.0.0.1:\(https)
            tls:
              certificates:
                - { cert: \(certificates.app.cert), key: \(certificates.app.key) }
        routes:
          - host: app.example.test
            https_redirect: true
            https_port: \(https)
            hsts: { max_age: 31536000, include_subdomains: true }
            response_headers:
              add: [{ name: X-Frame-Options, value: DENY }]
            paths:
              - { path: /, upstream: app }
              - { path: /fixed, type: Exact, respond: { status: 200, body: "fixed" } }
        upstreams:
          app: { endpoints: [\(backend.endpoint)] }
        """, waitFor: [http, https])
        return (http, https, certificates)
    }

    /// curl -L from plain HTTP lands on the HTTPS listener, which serves the request (no redirect loop)
    /// with Strict-Transport-Security; the upstream sees X-Forwarded-Proto https.
    @Test(.timeLimit(.endToEnd(3))) func redirectThenServedWithHSTS() async throws {
        try await withScenario { s in
            let (http, https, certificates) = try await Self.start(s)
            let curl = try await s.curl([
                "-L", "--cacert", certificates.ca,
                "--resolve", "app.example.test:\(http):127.0.0.1", "--resolve", "app.example.test:\(https):127.0.0.1",
                "http://app.example.test:\(http)/echo?x=1",
            ])
            #expect(curl.exitCode == 0 && curl.status == 200, "\(curl)")
            #expect(curl.headerBlocks.count == 2 && curl.headerBlocks[0].hasPrefix("HTTP/1.1 308"), "\(curl.headerBlocks)")
            #expect(curl.headerBlocks[0].contains("Location: https://app.example.test:\(https)/echo?x=1"))
            #expect(!curl.headerBlocks[0].contains("Strict-Transport-Security"), "no HSTS over plain HTTP")
            #expect(curl.header("Strict-Transport-Security") == "max-age=31536000; includeSubDomains")
            #expect(curl.header("X-Frame-Options") == "DENY")
            let echo = try EchoReply(Array(curl.body))
            #expect(echo.path == "/echo?x=1" && echo.header("X-Forwarded-Proto") == "https")
        }
    }

    /// Apus's own answers of the route over TLS carry HSTS too, exactly once.
    @Test(.timeLimit(.endToEnd(3))) func localAnswersOverTLSCarryHSTS() async throws {
        try await withScenario { s in
            let (_, https, certificates) = try await Self.start(s)
            let curl = try await s.curl(["--cacert", certificates.ca, "--resolve", "app.example.test:\(https):127.0.0.1",
                                         "https://app.example.test:\(https)/fixed"])
            #expect(curl.status == 200 && curl.bodyText == "fixed", "\(curl)")
            #expect(curl.headers.filter { $0.name.lowercased() == "strict-transport-security" }.map(\.value)
                    == ["max-age=31536000; includeSubDomains"])
        }
    }
}
