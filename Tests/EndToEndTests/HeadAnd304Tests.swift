import Testing

/// Responses without a body (HEAD, 204, 304) are framed right: no body bytes, no waiting for one,
/// and the keep-alive connection stays usable afterwards.
@Suite struct HeadAnd304Tests {
    /// On one keep-alive connection, each bodiless response is followed by a normal GET that still works.
    @Test(.timeLimit(.endToEnd(3))) func bodilessResponsesKeepConnectionUsable() async throws {
        try await withScenario { s in
            let backend = try await s.backend("nobody")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            let connection = try await RawConnection.connect(port: port)
            let cases: [(method: String, path: String, headers: String, status: Int, contentLength: String?)] = [
                ("HEAD", "/bytes/1000", "", 200, "1000"),
                ("HEAD", "/chunked/1000", "", 200, nil),
                ("GET", "/cached", "If-None-Match: \"v1\"\r\n", 304, nil),
                ("GET", "/status/204", "", 204, nil),
                ("HEAD", "/echo", "", 200, nil),
            ]
            for c in cases {
                try await connection.send("\(c.method) \(c.path) HTTP/1.1\r\nHost: h.test\r\n\(c.headers)\r\n")
                let response = try await connection.readResponse(method: c.method, timeout: .seconds(3))
                #expect(response?.status == c.status, "\(c.method) \(c.path)")
                #expect(response?.body.isEmpty == true, "\(c.method) \(c.path)")
                if let length = c.contentLength {
                    #expect(response?.header("Content-Length") == length, "\(c.method) \(c.path) keeps Content-Length")
                }
                try await connection.send("GET /echo?after=\(c.path) HTTP/1.1\r\nHost: h.test\r\n\r\n")
                let next = try await connection.readResponse(timeout: .seconds(3))
                #expect(next?.status == 200, "GET after \(c.method) \(c.path): \(next.map(String.init(describing:)) ?? "no response")")
                #expect(next.flatMap { try? EchoReply($0.body).path } == "/echo?after=\(c.path)", "after \(c.method) \(c.path): framing desynchronised")
            }
        }
    }

    /// An upstream 304 passes through with its ETag and no body; a non-matching validator gets the 200 body.
    @Test(.timeLimit(.endToEnd(3))) func upstream304PassesThrough() async throws {
        try await withScenario { s in
            let backend = try await s.backend("etag")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            let notModified = try await s.curl(["-H", "If-None-Match: \"v1\"", "http://127.0.0.1:\(port)/cached"])
            #expect(notModified.status == 304)
            #expect(notModified.header("ETag") == "\"v1\"")
            #expect(notModified.body.isEmpty)
            let modified = try await s.curl(["-H", "If-None-Match: \"v0\"", "http://127.0.0.1:\(port)/cached"])
            #expect(modified.status == 200)
            #expect(modified.bodyText == "cached body\n")
            let head = try await s.curl(["-I", "http://127.0.0.1:\(port)/bytes/12345"])
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "12345")
        }
    }
}

/// Conditional, HEAD and Range requests through apus to a real nginx serving files.
@Suite struct HeadAnd304NginxUpstreamTests {
    /// nginx's ETag revalidation (304), HEAD and 206 ranges pass through apus intact.
    @Test(.timeLimit(.endToEnd(3))) func nginxConditionalAndRange() async throws {
        try await withScenario { s in
            let nginx = try await s.nginx()
            let content = String(repeating: "0123456789", count: 100)
            try s.dir.write("nginx-root/file.txt", content)
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [nginx.endpoint]), waitFor: [port])
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET /file.txt HTTP/1.1\r\nHost: n.test\r\n\r\n")
            let full = try #require(try await connection.readResponse())
            #expect(full.status == 200)
            #expect(full.bodyText == content)
            let etag = try #require(full.header("ETag"))
            try await connection.send("GET /file.txt HTTP/1.1\r\nHost: n.test\r\nIf-None-Match: \(etag)\r\n\r\n")
            let notModified = try await connection.readResponse()
            #expect(notModified?.status == 304)
            #expect(notModified?.body.isEmpty == true)
            try await connection.send("HEAD /file.txt HTTP/1.1\r\nHost: n.test\r\n\r\n")
            let head = try await connection.readResponse(method: "HEAD")
            #expect(head?.status == 200)
            #expect(head?.header("Content-Length") == "1000")
            try await connection.send("GET /file.txt HTTP/1.1\r\nHost: n.test\r\nRange: bytes=10-19\r\n\r\n")
            let range = try await connection.readResponse()
            #expect(range?.status == 206)
            #expect(range?.header("Content-Range") == "bytes 10-19/1000")
            #expect(range?.bodyText == "0123456789")
            try await connection.send("GET /missing HTTP/1.1\r\nHost: n.test\r\n\r\n")
            let missing = try await connection.readResponse()
            #expect(missing?.status == 404, "upstream 404 passes through")
            #expect(missing?.header("X-Backend") == "nginx")
        }
    }
}
