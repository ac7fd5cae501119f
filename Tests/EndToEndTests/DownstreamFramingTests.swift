import Testing

/// Clients that send in odd pieces or leave early: a head sent byte by byte, a body trickled over
/// time, a half-closed request, a client gone before its response; all handled, nothing breaks.
@Suite struct DownstreamFramingTests {
    static func start(_ s: Scenario) async throws -> (apus: ApusProcess, port: Int, backend: PythonBackend) {
        let backend = try await s.backend("odd")
        let port = try s.port()
        let apus = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
        return (apus, port, backend)
    }

    /// A request head and body sent one byte per write are parsed and forwarded exactly.
    @Test(.timeLimit(.endToEnd(3))) func byteByByte() async throws {
        try await withScenario { s in
            let (_, port, _) = try await Self.start(s)
            let connection = try await RawConnection.connect(port: port)
            let wire = Array("POST /echo?bytewise HTTP/1.1\r\nHost: b.test\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello".utf8)
            for byte in wire {
                try await connection.send([byte])
                try await Task.sleep(for: .milliseconds(2))
            }
            let response = try await connection.readResponse()
            let echo = try response.map { try EchoReply($0.body) }
            #expect(echo?.path == "/echo?bytewise")
            #expect(echo?.bodySHA256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
            #expect(echo?.header("X-A") == "1")
        }
    }

    /// A body trickled over about 1.5 s (chunked and Content-Length) arrives complete.
    @Test(.timeLimit(.endToEnd(3))) func trickledBody() async throws {
        try await withScenario { s in
            let (_, port, _) = try await Self.start(s)
            let pieces = (0..<15).map { "piece-\($0);" }
            let total = pieces.joined()
            let chunked = try await RawConnection.connect(port: port)
            try await chunked.send("POST /echo HTTP/1.1\r\nHost: t.test\r\nTransfer-Encoding: chunked\r\n\r\n")
            for piece in pieces {
                try await chunked.send(String(piece.utf8.count, radix: 16) + "\r\n" + piece + "\r\n")
                try await Task.sleep(for: .milliseconds(100))
            }
            try await chunked.send("0\r\n\r\n")
            let chunkedEcho = try (try await chunked.readResponse()).map { try EchoReply($0.body) }
            #expect(chunkedEcho?.bodyLength == total.utf8.count)
            let sized = try await RawConnection.connect(port: port)
            try await sized.send("POST /echo HTTP/1.1\r\nHost: t.test\r\nContent-Length: \(total.utf8.count)\r\n\r\n")
            for piece in pieces {
                try await sized.send(piece)
                try await Task.sleep(for: .milliseconds(100))
            }
            let sizedEcho = try (try await sized.readResponse()).map { try EchoReply($0.body) }
            #expect(sizedEcho?.bodyLength == total.utf8.count)
            #expect(sizedEcho?.bodySHA256 == chunkedEcho?.bodySHA256)
        }
    }

    /// A client that half-closes (FIN) right after its request cannot be told from one that left:
    /// as in nginx, the request is dropped (and its upstream connection closed); with
    /// `ignore_client_abort: true` it still gets the full response.
    @Test(.timeLimit(.endToEnd(3))) func halfClosedClient() async throws {
        try await withScenario { s in
            let backend = try await s.backend("odd")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - host: patient.test
                paths:
                  - { path: /, type: Prefix, upstream: patient }
              - paths:
                  - { path: /, type: Prefix, upstream: app }
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
              patient: { endpoints: [\(backend.endpoint)], ignore_client_abort: true }
            """), waitFor: [port])
            let dropped = try await RawConnection.connect(port: port)
            try await dropped.send("GET /delay/200 HTTP/1.1\r\nHost: h.test\r\n\r\n")
            dropped.shutdownWrite()
            let nothing = try await dropped.readUntilClose(timeout: .seconds(5))
            #expect(nothing.isEmpty, "a half-closed client got \(nothing.count) bytes")

            let patient = try await RawConnection.connect(port: port)
            try await patient.send("GET /delay/200 HTTP/1.1\r\nHost: patient.test\r\n\r\n")
            patient.shutdownWrite()
            let response = try await patient.readResponse(timeout: .seconds(5))
            #expect(response?.status == 200, "half-closed client: \(response.map(String.init(describing:)) ?? "no response")")
            #expect(response?.bodyText == "slept\n")
        }
    }

    /// `Content-Length: 5, 5` (identical values, RFC 9110 §8.6) or the field twice is one length;
    /// the upstream gets that one number, never the list (before: the list went upstream as sent).
    @Test(.timeLimit(.endToEnd(3))) func contentLengthListGoesUpstreamAsOneNumber() async throws {
        try await withScenario { s in
            let (_, port, _) = try await Self.start(s)
            for lengths in ["Content-Length: 5, 5\r\n", "Content-Length: 5\r\nContent-Length: 5\r\n"] {
                let connection = try await RawConnection.connect(port: port)
                try await connection.send("POST /echo HTTP/1.1\r\nHost: c.test\r\n\(lengths)\r\nhello")
                let echo = try (try await connection.readResponse()).map { try EchoReply($0.body) }
                #expect(echo?.headerValues("Content-Length") == ["5"], "\(lengths): \(echo?.headers ?? [])")
                #expect(echo?.bodyLength == 5)
            }
        }
    }

    /// Clients that vanish mid-request or mid-response leave apus healthy and its upstream pool clean.
    @Test(.timeLimit(.endToEnd(3))) func clientsThatLeaveEarly() async throws {
        try await withScenario { s in
            let (apus, port, _) = try await Self.start(s)
            for path in ["/delay/300", "/bytes/50000000", "/slow-stream/300"] {
                let connection = try await RawConnection.connect(port: port)
                try await connection.send("GET \(path) HTTP/1.1\r\nHost: l.test\r\n\r\n")
                try await Task.sleep(for: .milliseconds(50))
                connection.abort()
            }
            let partial = try await RawConnection.connect(port: port)
            try await partial.send("POST /echo HTTP/1.1\r\nHost: l.test\r\nContent-Length: 100\r\n\r\nonly-part")
            partial.abort()
            try await Task.sleep(for: .milliseconds(500))
            for index in 0..<10 {
                let response = try await HTTPClient.request(port: port, path: "/echo?after=\(index)")
                #expect(response.status == 200)
                #expect((try? EchoReply(response.body).path) == "/echo?after=\(index)", "a dirty pooled connection answered: \(response)")
            }
            #expect(apus.child.isRunning)
        }
    }
}
