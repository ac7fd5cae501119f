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

    static let limits = "limits: { max_head_size: 8k, max_headers: 20, max_uri_length: 1k, max_body_size: 1k }"

    /// Each malformed request gets its status, then the connection closes and the upstream never sees `/smuggled`.
    @Test(.timeLimit(.endToEnd(3)), arguments: cases)
    func rejectedAndClosed(_ c: Case) async throws {
        try await withScenario { s in
            let backend = try await s.backend("victim")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint],
                                                    extra: Self.limits),
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

    /// Requests just inside every limit are served, not rejected (the limits are not off by one against the client).
    @Test(.timeLimit(.endToEnd(3))) func justInsideLimitsServed() async throws {
        try await withScenario { s in
            let backend = try await s.backend("fits")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint], extra: Self.limits), waitFor: [port])
            let longPath = "/echo/" + String(repeating: "p", count: 900)
            let cases: [(name: String, path: String, headers: [(String, String)], body: [UInt8])] = [
                ("900-byte URI", longPath, [], []),
                ("7000-byte header", "/echo", [("X-Big", String(repeating: "h", count: 7000))], []),
                ("15 headers", "/echo", (0..<15).map { ("X-H\($0)", "v") }, []),
                ("1024-byte body", "/echo", [], Array(repeating: 98, count: 1024)),
            ]
            for c in cases {
                let response = try await HTTPClient.request(port: port, method: c.body.isEmpty ? "GET" : "POST", path: c.path,
                                                            headers: c.headers, body: c.body)
                #expect(response.status == 200, "\(c.name): \(response)")
            }
        }
    }

    /// 60 connections of seeded random bytes never crash apus; it still serves a valid request afterwards.
    @Test(.timeLimit(.endToEnd(3))) func garbageNeverKills() async throws {
        try await withScenario { s in
            let backend = try await s.backend("garbage")
            let port = try s.port()
            let apus = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint], extra: Self.limits), waitFor: [port])
            var generator = SeededGenerator(seed: 0x5EED)
            let prefixes = ["", "GET ", "GET / HTTP/1.1\r\n", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"]
            for index in 0..<60 {
                let connection = try await RawConnection.connect(port: port)
                let noise = (0..<Int.random(in: 1...3000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                try? await connection.send(Array(prefixes[index % prefixes.count].utf8) + noise)
                connection.shutdownWrite()
                _ = try await connection.readUntilClose(timeout: .seconds(3))
            }
            #expect(apus.child.isRunning, "apus died: \(String(describing: apus.child.exit)); stderr:\n\(apus.stderrTail())")
            #expect(try await HTTPClient.request(port: port, path: "/echo").status == 200)
        }
    }
}

/// A small deterministic generator (SplitMix64) so random-input tests replay identically.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
