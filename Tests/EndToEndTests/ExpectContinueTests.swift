import Foundation
import Testing

/// `Expect: 100-continue` is honoured: the client gets 100 Continue (or the final status) promptly
/// instead of waiting out its expect timeout, and a rejected body is never sent.
@Suite struct ExpectContinueTests {
    static func start(_ s: Scenario) async throws -> (port: Int, backend: PythonBackend) {
        let backend = try await s.backend("expect")
        let port = try s.port()
        _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
        routes:
          - paths:
              - { path: /fixed, type: Exact, respond: { status: 200, body: "fixed", content_type: text/plain } }
              - { path: /, type: Prefix, upstream: app }
        upstreams:
          app: { endpoints: [\(backend.endpoint)] }
        limits: { max_body_size: 4096k }
        """), waitFor: [port])
        return (port, backend)
    }

    /// curl's 100-continue handshake completes in well under its 10 s expect timeout, and the body arrives intact.
    @Test(.timeLimit(.endToEnd(3))) func continueIsSent() async throws {
        try await withScenario { s in
            let (port, _) = try await Self.start(s)
            // curl 7.88 adds Expect by itself only for bodies over 1 MiB.
            let size = 2 * 1024 * 1024
            let body = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
            let file = try s.dir.write("body.bin", body)
            let expected = try await sha256(ofFile: file)
            let cases: [(name: String, extra: [String])] = [
                ("explicit Expect header", ["-H", "Expect: 100-continue"]),
                ("curl's own Expect for a body over 1 MiB", []),
            ]
            for c in cases {
                let result = try await s.curl(["--expect100-timeout", "10", "--data-binary", "@\(file)"] + c.extra
                                              + ["http://127.0.0.1:\(port)/echo"])
                #expect(result.status == 200, "\(c.name): \(result)")
                #expect(result.totalTime < 5, "\(c.name): took \(result.totalTime) s: no 100 Continue was sent")
                let echo = try EchoReply(Array(result.body))
                #expect(result.headerBlocks.first?.hasPrefix("HTTP/1.1 100") == true, "\(c.name): curl saw no 100 Continue")
                #expect(echo.bodyLength == size, "\(c.name)")
                #expect(echo.bodySHA256 == expected, "\(c.name)")
            }
        }
    }

    /// A raw client that waits for 100 Continue before sending its body receives it, then the final 200.
    @Test(.timeLimit(.endToEnd(3))) func rawHandshake() async throws {
        try await withScenario { s in
            let (port, _) = try await Self.start(s)
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("POST /echo HTTP/1.1\r\nHost: e.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            let interim = try await connection.readResponse(method: "POST", timeout: .seconds(3))
            #expect(interim?.status == 100, "expected 100 Continue before the body, got \(interim.map(String.init(describing:)) ?? "nothing")")
            try await connection.send("hello")
            var final = try await connection.readResponse(method: "POST", timeout: .seconds(3))
            if final?.status == 100 { final = try await connection.readResponse(method: "POST", timeout: .seconds(3)) }
            #expect(final?.status == 200)
            #expect(final.flatMap { try? EchoReply($0.body).bodyLength } == 5)
        }
    }

    /// A body over max_body_size is refused with 413 before it is sent, and a fixed-response route answers at once.
    @Test(.timeLimit(.endToEnd(3))) func finalStatusWithoutContinue() async throws {
        try await withScenario { s in
            let (port, backend) = try await Self.start(s)
            let file = try s.dir.write("big.bin", Data(count: 5 * 1024 * 1024))
            let tooBig = try await s.curl(["--expect100-timeout", "10", "-H", "Expect: 100-continue", "--data-binary", "@\(file)",
                                           "http://127.0.0.1:\(port)/echo"])
            #expect(tooBig.status == 413, "\(tooBig)")
            #expect(tooBig.totalTime < 5, "413 took \(tooBig.totalTime) s")
            #expect(try await backend.stats().requests == 1, "the rejected request reached the upstream")
            let small = try s.dir.write("small.bin", Data(count: 2048))
            let fixed = try await s.curl(["--expect100-timeout", "10", "-H", "Expect: 100-continue", "--data-binary", "@\(small)",
                                          "http://127.0.0.1:\(port)/fixed"])
            #expect(fixed.totalTime < 5, "fixed route with Expect took \(fixed.totalTime) s")
            #expect(fixed.status == 200 && fixed.bodyText == "fixed", "\(fixed)")
        }
    }
}
