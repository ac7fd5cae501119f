import Testing

/// Redirect and fixed-response routes are answered by apus itself, with no upstream.
@Suite struct RedirectAndFixedResponseTests {
    static func start(_ s: Scenario) async throws -> Int {
        let port = try s.port()
        _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
        routes:
          - paths:
              - { path: /old, type: Exact, redirect: { status: 301, scheme: https, host: example.com, path: /new } }
              - { path: /moved, type: Prefix, redirect: { status: 308, scheme: http, host: other.test, path: /elsewhere } }
              - { path: /site, type: Prefix, redirect: { status: 301, url: "https://new.example.com$request_uri" } }
              - { path: /parts, type: Prefix, redirect: { status: 302, url: "$scheme://$host/moved?from=$uri&$args" } }
              - { path: /health, type: Exact, respond: { status: 200, body: "ok\\n", content_type: text/plain } }
              - { path: /gone, type: Exact, respond: { status: 410, body: "gone\\n", content_type: text/plain } }
              - { path: /json, type: Exact, respond: { status: 200, body: "{\\"a\\":1}", content_type: application/json } }
        """), waitFor: [port])
        return port
    }

    /// A redirect route answers its status with the configured Location and no upstream involved.
    @Test(.timeLimit(.endToEnd(3))) func redirects() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let cases: [(path: String, status: Int, location: String)] = [
                ("/old", 301, "https://example.com/new"),
                ("/moved", 308, "http://other.test/elsewhere"),
                // A whole URL with nginx's variables (ingress-nginx's permanent-redirect).
                ("/site/a/b?q=1", 301, "https://new.example.com/site/a/b?q=1"),
                ("/parts/x?y=2", 302, "http://127.0.0.1/moved?from=/parts/x&y=2"),
            ]
            for c in cases {
                let response = try await HTTPClient.request(port: port, path: c.path)
                #expect(response.status == c.status, "\(c.path)")
                #expect(response.header("Location") == c.location, "\(c.path)")
            }
            #expect(try await HTTPClient.request(port: port, path: "/old/x").status == 404, "Exact redirect does not match /old/x")
            let curl = try await s.curl(["-H", "Host: r.test", "http://127.0.0.1:\(port)/old"])
            #expect(curl.status == 301)
            #expect(curl.header("Location") == "https://example.com/new")
        }
    }

    /// A respond route answers exactly its status, body and Content-Type; HEAD gets the headers without the body.
    @Test(.timeLimit(.endToEnd(3))) func fixedResponses() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let cases: [(path: String, status: Int, type: String, body: String)] = [
                ("/health", 200, "text/plain", "ok\n"),
                ("/gone", 410, "text/plain", "gone\n"),
                ("/json", 200, "application/json", "{\"a\":1}"),
            ]
            for c in cases {
                let response = try await HTTPClient.request(port: port, path: c.path)
                #expect(response.status == c.status, "\(c.path)")
                #expect(response.header("Content-Type")?.hasPrefix(c.type) == true, "\(c.path)")
                #expect(response.bodyText == c.body, "\(c.path)")
                #expect(response.header("Content-Length") == String(c.body.utf8.count), "\(c.path)")
            }
            let head = try await HTTPClient.request(port: port, method: "HEAD", path: "/health")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            let post = try await HTTPClient.request(port: port, method: "POST", path: "/health", body: Array("x".utf8))
            #expect(post.status == 200)
            #expect(post.bodyText == "ok\n")
        }
    }

    /// An Upgrade request on a route apus answers itself (a redirect, a fixed response)
    /// is answered as plain HTTP: no 101, no Upgrade or `Connection: upgrade` in the answer, and
    /// the connection carries the next request as HTTP (issue 17 point 7).
    @Test(.timeLimit(.endToEnd(3))) func upgradeRequestsOnLocalRoutesStayHTTP() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            for path in ["/old", "/health"] {
                let connection = try await RawConnection.connect(port: port)
                try await connection.send("GET \(path) HTTP/1.1\r\nHost: u.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                let answer = try await connection.readResponse()
                #expect(answer.map { $0.status != 101 && $0.header("Upgrade") == nil } == true, "\(path): \(String(describing: answer))")
                #expect(answer?.headerValues("Connection").contains { $0.lowercased().contains("upgrade") } == false, "\(path)")
                try await connection.send("GET /health HTTP/1.1\r\nHost: u.test\r\n\r\n")
                #expect(try await connection.readResponse()?.bodyText == "ok\n", "\(path): the connection is still HTTP")
            }
        }
    }
}
