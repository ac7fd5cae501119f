import Testing

/// What the upstream receives: X-Forwarded-*, X-Real-IP and X-Request-ID added; hop-by-hop headers
/// stripped; end-to-end headers, method, path and query passed unchanged.
@Suite struct ForwardedHeadersTests {
    static func start(_ s: Scenario) async throws -> (port: Int, backend: PythonBackend) {
        let backend = try await s.backend("echo")
        let port = try s.port()
        _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
        return (port, backend)
    }

    /// X-Forwarded-For/Proto/Host/Port, X-Real-IP and a generated X-Request-ID reach the upstream.
    @Test(.timeLimit(.endToEnd(3))) func forwardedHeadersAdded() async throws {
        try await withScenario { s in
            let (port, _) = try await Self.start(s)
            let response = try await HTTPClient.request(port: port, path: "/echo/a?b=c&d=e", host: "app.example.test:\(port)")
            #expect(response.status == 200)
            let echo = try EchoReply(response.body)
            #expect(echo.path == "/echo/a?b=c&d=e")
            #expect(echo.method == "GET")
            #expect(echo.header("X-Forwarded-For")?.split(separator: ",").last?.trimmingCharacters(in: .whitespaces) == "127.0.0.1")
            #expect(echo.header("X-Real-IP") == "127.0.0.1")
            #expect(echo.header("X-Forwarded-Proto") == "http")
            #expect(echo.header("X-Forwarded-Host")?.hasPrefix("app.example.test") == true, "X-Forwarded-Host: \(echo.header("X-Forwarded-Host") ?? "missing")")
            #expect(echo.header("X-Forwarded-Port") == String(port))
            #expect(echo.header("Host")?.hasPrefix("app.example.test") == true, "Host is passed through: \(echo.header("Host") ?? "missing")")
            let id = try #require(echo.header("X-Request-ID"))
            #expect(id.count >= 8)
            let second = try EchoReply(try await HTTPClient.request(port: port, path: "/echo").body)
            #expect(second.header("X-Request-ID") != id, "each request gets its own id")
        }
    }

    /// An incoming X-Request-ID is kept; an incoming X-Forwarded-For ends with the real peer address.
    @Test(.timeLimit(.endToEnd(3))) func incomingHeadersKeptOrExtended() async throws {
        try await withScenario { s in
            let (port, _) = try await Self.start(s)
            let response = try await HTTPClient.request(port: port, path: "/echo", headers: [
                ("X-Request-ID", "req-abc-123"), ("X-Forwarded-For", "10.1.2.3"),
            ])
            let echo = try EchoReply(response.body)
            #expect(echo.headerValues("X-Request-ID") == ["req-abc-123"])
            let chain = echo.headerValues("X-Forwarded-For").joined(separator: ",")
            #expect(chain.split(separator: ",").last?.trimmingCharacters(in: .whitespaces) == "127.0.0.1", "X-Forwarded-For: \(chain)")
        }
    }

    /// Connection, the headers it names, Keep-Alive, Proxy-Connection and TE never reach the upstream;
    /// other headers (repeated ones in order) do.
    @Test(.timeLimit(.endToEnd(3))) func hopByHopStripped() async throws {
        try await withScenario { s in
            let (port, _) = try await Self.start(s)
            let response = try await HTTPClient.request(port: port, path: "/echo", headers: [
                ("Connection", "X-Secret-Hop, keep-alive"), ("X-Secret-Hop", "1"), ("Keep-Alive", "timeout=5"),
                ("Proxy-Connection", "keep-alive"), ("TE", "trailers"),
                ("X-End-To-End", "kept"), ("X-Multi", "one"), ("X-Multi", "two"), ("Accept", "text/plain"),
            ])
            #expect(response.status == 200)
            let echo = try EchoReply(response.body)
            for name in ["X-Secret-Hop", "Keep-Alive", "Proxy-Connection", "TE"] {
                #expect(echo.header(name) == nil, "\(name) reached the upstream")
            }
            #expect(echo.header("Connection")?.lowercased().contains("x-secret-hop") != true)
            #expect(echo.header("X-End-To-End") == "kept")
            #expect(echo.headerValues("X-Multi").joined(separator: ",").replacingOccurrences(of: " ", with: "") == "one,two")
            #expect(echo.header("Accept") == "text/plain")
        }
    }

    /// Request bodies and methods pass through unchanged (POST with Content-Length, PUT chunked, DELETE).
    @Test(.timeLimit(.endToEnd(3))) func methodsAndBodies() async throws {
        try await withScenario { s in
            let (port, _) = try await Self.start(s)
            let post = try EchoReply(try await HTTPClient.request(port: port, method: "POST", path: "/echo", body: Array("hello".utf8)).body)
            #expect(post.method == "POST")
            #expect(post.bodyLength == 5)
            #expect(post.bodySHA256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n")
            let put = try EchoReply(try #require(try await connection.readResponse()).body)
            #expect(put.method == "PUT")
            #expect(put.bodyLength == 5)
            #expect(put.bodySHA256 == post.bodySHA256)
            let delete = try EchoReply(try await HTTPClient.request(port: port, method: "DELETE", path: "/echo/1").body)
            #expect(delete.method == "DELETE")
        }
    }

    /// The request target reaches the upstream byte-for-byte: percent-encoding, query, `+` and `;` untouched.
    /// (An encoded slash `%2F` in the path is left out on purpose: rejecting it is a defensible choice.)
    @Test(.timeLimit(.endToEnd(3))) func requestTargetUnchanged() async throws {
        try await withScenario { s in
            let (port, _) = try await Self.start(s)
            let targets = ["/a%20b/c?x=%2F&y=a+b", "/semi;colon=1/x", "/~user/%E2%9C%93", "/q?empty=&flag", "/echo?a=1&a=2", "/A%41/x"]
            for target in targets {
                let response = try await HTTPClient.request(port: port, path: target)
                let seen = try? EchoReply(response.body).path
                #expect(response.status == 200 && seen == target, "sent \(target): status \(response.status), upstream saw \(seen ?? "nothing")")
            }
        }
    }

    /// Client-supplied X-Real-IP, X-Forwarded-Proto/Host/Port are replaced by what apus saw, never passed on or duplicated.
    @Test(.timeLimit(.endToEnd(3))) func spoofedHeadersReplaced() async throws {
        try await withScenario { s in
            let (port, _) = try await Self.start(s)
            let response = try await HTTPClient.request(port: port, path: "/echo", host: "real.test", headers: [
                ("X-Real-IP", "6.6.6.6"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil.test"), ("X-Forwarded-Port", "443"),
            ])
            let echo = try EchoReply(response.body)
            #expect(echo.headerValues("X-Real-IP") == ["127.0.0.1"])
            #expect(echo.headerValues("X-Forwarded-Proto") == ["http"])
            #expect(echo.headerValues("X-Forwarded-Host") == ["real.test"])
            #expect(echo.headerValues("X-Forwarded-Port") == [String(port)])
        }
    }

    /// Hop-by-hop headers of the upstream's response (Connection and what it names, Keep-Alive,
    /// Proxy-Connection) don't reach the client; end-to-end ones do.
    @Test(.timeLimit(.endToEnd(3))) func responseHopByHopStripped() async throws {
        try await withScenario { s in
            let (port, _) = try await Self.start(s)
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET /hop-response HTTP/1.1\r\nHost: hop.test\r\n\r\n")
            let response = try #require(try await connection.readResponse())
            #expect(response.status == 200)
            for name in ["X-Upstream-Hop", "Keep-Alive", "Proxy-Connection"] {
                #expect(response.header(name) == nil, "\(name) reached the client")
            }
            #expect(response.header("Connection")?.lowercased().contains("x-upstream-hop") != true)
            #expect(response.header("X-Upstream-End") == "kept")
        }
    }
}
