import Testing

/// HTTP/1.0 clients: no Host needed, the connection closes after the response unless keep-alive was
/// asked for, and chunked upstream bodies reach them in a form HTTP/1.0 can read.
@Suite struct HTTP10ClientTests {
    static func start(_ s: Scenario) async throws -> Int {
        let backend = try await s.backend("old")
        let port = try s.port()
        _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
        return port
    }

    /// An HTTP/1.0 request without Host is served by the catch-all route, then the connection closes.
    @Test(.timeLimit(.endToEnd(3))) func servedAndClosed() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET /echo HTTP/1.0\r\n\r\n")
            let response = try await connection.readResponse()
            #expect(response?.status == 200)
            #expect(response.flatMap { try? EchoReply($0.body).path } == "/echo")
            #expect(try await connection.waitForClose(timeout: .seconds(3)), "HTTP/1.0 without keep-alive must close")
        }
    }

    /// A chunked upstream response reaches an HTTP/1.0 client without chunked framing, byte-exact.
    @Test(.timeLimit(.endToEnd(3))) func chunkedUpstreamDechunked() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET /chunked/100000 HTTP/1.0\r\nHost: old.test\r\n\r\n")
            let bytes = try await connection.readUntilClose(timeout: .seconds(5))
            let response = HTTPResponse.parse(bytes, requestMethod: "GET", atEOF: true)?.0
            #expect(response?.status == 200)
            #expect(response?.header("Transfer-Encoding") == nil, "chunked sent to an HTTP/1.0 client")
            #expect(response?.body.count == 100_000)
            #expect(response.map { $0.body == BackendScript.pattern(100_000) } == true, "body differs from what the upstream sent")
        }
    }

    /// `Connection: keep-alive` on HTTP/1.0 may keep the connection open; a second request then works too.
    @Test(.timeLimit(.endToEnd(3))) func keepAliveRequested() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET /echo?n=1 HTTP/1.0\r\nHost: old.test\r\nConnection: keep-alive\r\n\r\n")
            let first = try await connection.readResponse()
            #expect(first?.status == 200)
            if first?.header("Connection")?.lowercased() == "keep-alive" {
                try await connection.send("GET /echo?n=2 HTTP/1.0\r\nHost: old.test\r\nConnection: keep-alive\r\n\r\n")
                #expect(try await connection.readResponse()?.status == 200)
            } else {
                #expect(try await connection.waitForClose(timeout: .seconds(3)), "no keep-alive promised, so the connection must close")
            }
        }
    }
}
