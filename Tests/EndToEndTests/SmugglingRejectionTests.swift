import Testing

/// Requests that could be read two ways (or break limits) are answered with an error status and
/// the connection is closed; nothing after them reaches the upstream.
@Suite struct SmugglingRejectionTests {
    /// One malformed request: wire bytes, then the status apus must answer.
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var wire: String
        var status: Int
        var description: String { name }
    }

    static let smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"

    static let cases: [Case] = [
        Case(name: "CL and TE", wire: "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, status: 400),
        Case(name: "TE and CL", wire: "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n" + smuggled, status: 400),
        Case(name: "two different CL", wire: "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!" + smuggled, status: 400),
        Case(name: "TE not ending in chunked", wire: "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" + smuggled, status: 400),
        Case(name: "non-hex chunk size", wire: "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n" + smuggled, status: 400),
        Case(name: "negative chunk size", wire: "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n" + smuggled, status: 400),
        Case(name: "overflowing chunk size", wire: "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n" + smuggled, status: 400),
        Case(name: "obs-fold", wire: "GET /echo HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n  b\r\n\r\n" + smuggled, status: 400),
        Case(name: "two Host headers", wire: "GET /echo HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n" + smuggled, status: 400),
        Case(name: "no Host on HTTP/1.1", wire: "GET /echo HTTP/1.1\r\nX-A: b\r\n\r\n" + smuggled, status: 400),
        Case(name: "space before colon", wire: "GET /echo HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello" + smuggled, status: 400),
        Case(name: "control char in value", wire: "GET /echo HTTP/1.1\r\nHost: x\r\nX-A: a\u{01}b\r\n\r\n" + smuggled, status: 400),
        Case(name: "invalid method token", wire: "G(T /echo HTTP/1.1\r\nHost: x\r\n\r\n" + smuggled, status: 400),
        Case(name: "HTTP/1.2", wire: "GET /echo HTTP/1.2\r\nHost: x\r\n\r\n" + smuggled, status: 505),
        Case(name: "HTTP/3.0", wire: "GET /echo HTTP/3.0\r\nHost: x\r\n\r\n" + smuggled, status: 505),
        Case(name: "head over max_head_size", wire: "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 10_000))\r\n\r\n", status: 431),
        Case(name: "more headers than max_headers", wire: "GET /echo HTTP/1.1\r\nHost: x\r\n" + (0..<40).map { "X-H\($0): v\r\n" }.joined() + "\r\n", status: 431),
        Case(name: "URI over max_uri_length", wire: "GET /\(String(repeating: "u", count: 2_000)) HTTP/1.1\r\nHost: x\r\n\r\n", status: 414),
        Case(name: "Content-Length over max_body_size", wire: "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n" + String(repeating: "b", count: 2048), status: 413),
        Case(name: "chunked body over max_body_size", wire: "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n\(String(repeating: "c", count: 2048))\r\n0\r\n\r\n", status: 413),
    ]

    /// Each malformed request gets its status, then the connection closes and the upstream never sees `/smuggled`.
    @Test(.timeLimit(.minutes(1)), arguments: cases)
    func rejectedAndClosed(_ c: Case) async throws {
        try await withScenario { s in
            let backend = try await s.backend("victim")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint],
                                                    extra: "limits: { max_head_size: 8k, max_headers: 20, max_uri_length: 1k, max_body_size: 1k }"),
                                 waitFor: [port])
            let connection = try await RawConnection.connect(port: port)
            try? await connection.send(c.wire)
            let response = try await connection.readResponse(timeout: .seconds(5))
            #expect(response?.status == c.status, "\(c.name): got \(response.map(String.init(describing:)) ?? "no response")")
            #expect(try await connection.waitForClose(timeout: .seconds(3)), "\(c.name): connection left open")
            #expect(try await !backend.stats().paths.contains("/smuggled"), "\(c.name): smuggled request reached the upstream")
            #expect(try await HTTPClient.request(port: port, path: "/echo").status == 200, "\(c.name): apus still serves")
        }
    }
}
