import Testing

/// Pipelined requests on one downstream connection are all answered, in order, even when an
/// earlier one is slower or goes to a different kind of route.
@Suite struct PipeliningTests {
    static func start(_ s: Scenario) async throws -> Int {
        let backend = try await s.backend("pipe")
        let port = try s.port()
        _ = try await s.apus(ApusConfig.yaml(listen: port, workers: "auto", body: """
        routes:
          - paths:
              - { path: /fixed, type: Exact, respond: { status: 200, body: "fixed\\n", content_type: text/plain } }
              - { path: /, type: Prefix, upstream: app }
        upstreams:
          app: { endpoints: [\(backend.endpoint)] }
        """), waitFor: [port])
        return port
    }

    /// Ten GETs sent in one write come back as ten responses in request order.
    @Test(.timeLimit(.endToEnd(3))) func tenInOrder() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let connection = try await RawConnection.connect(port: port)
            let requests = (0..<10).map { "GET /echo?i=\($0) HTTP/1.1\r\nHost: pipe.test\r\n\r\n" }.joined()
            try await connection.send(requests)
            let responses = try await connection.readResponses(10, timeout: .seconds(10))
            #expect(responses.count == 10)
            for (index, response) in responses.enumerated() {
                #expect(response.status == 200)
                #expect(try EchoReply(response.body).path == "/echo?i=\(index)")
            }
        }
    }

    /// A slow first request holds back the fast ones behind it; mixed upstream, fixed, 404 and HEAD
    /// responses keep their order and framing, and the connection stays usable.
    @Test(.timeLimit(.endToEnd(3))) func slowFirstAndMixedRoutes() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let connection = try await RawConnection.connect(port: port)
            let paths = ["/delay/400", "/fixed", "/echo?i=2", "/fixed", "/bytes/3000", "/echo?i=5"]
            var wire = paths.map { "GET \($0) HTTP/1.1\r\nHost: pipe.test\r\n\r\n" }.joined()
            wire += "HEAD /bytes/50 HTTP/1.1\r\nHost: pipe.test\r\n\r\n"
            wire += "POST /echo?i=7 HTTP/1.1\r\nHost: pipe.test\r\nContent-Length: 3\r\n\r\nabc"
            try await connection.send(wire)
            let methods = Array(repeating: "GET", count: 6) + ["HEAD", "POST"]
            let responses = try await connection.readResponses(8, methods: methods, timeout: .seconds(10))
            try #require(responses.count == 8, "got \(responses.count) of 8 responses")
            #expect(responses[0].bodyText == "slept\n")
            #expect(responses[1].bodyText == "fixed\n")
            #expect(try EchoReply(responses[2].body).path == "/echo?i=2")
            #expect(responses[3].bodyText == "fixed\n")
            #expect(responses[4].body.count == 3000)
            #expect(try EchoReply(responses[5].body).path == "/echo?i=5")
            #expect(responses[6].header("Content-Length") == "50")
            #expect(responses[6].body.isEmpty)
            #expect(try EchoReply(responses[7].body).bodyLength == 3)
            try await connection.send("GET /fixed HTTP/1.1\r\nHost: pipe.test\r\n\r\n")
            #expect(try await connection.readResponse()?.bodyText == "fixed\n", "the connection is still usable")
        }
    }

    /// A pipelined request after `Connection: close` is not answered, and the connection closes after the first response.
    @Test(.timeLimit(.endToEnd(3))) func connectionCloseStopsPipeline() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET /fixed HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\nGET /echo?after-close HTTP/1.1\r\nHost: p\r\n\r\n")
            let responses = try await connection.readResponses(2, timeout: .seconds(3))
            #expect(responses.count == 1)
            #expect(responses.first?.bodyText == "fixed\n")
            #expect(try await connection.waitForClose(timeout: .seconds(3)))
        }
    }
}
