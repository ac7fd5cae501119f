import Foundation
import Testing

/// `max_body_size` on a path rule replaces `limits.max_body_size` for that rule: larger
/// bodies get 413 exactly as with the global limit (Content-Length before anything is sent,
/// chunked as soon as the count passes it); 0 lifts the limit.
@Suite struct BodyLimitPerRouteTests {
    static func start(_ s: Scenario) async throws -> Int {
        let backend = try await s.backend("app")
        let port = try s.port()
        _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
        limits: { max_body_size: 1k }
        routes:
          - paths:
              - { path: /uploads, upstream: app, max_body_size: 1m }
              - { path: /tiny, upstream: app, max_body_size: 10 }
              - { path: /open, upstream: app, max_body_size: 0 }
              - { path: /, upstream: app }
        upstreams:
          app: { endpoints: [\(backend.endpoint)] }
        """), waitFor: [port])
        return port
    }

    static func post(_ port: Int, _ path: String, bytes: Int) async throws -> HTTPResponse {
        try await HTTPClient.request(port: port, method: "POST", path: path, body: Array(repeating: UInt8(ascii: "b"), count: bytes))
    }

    /// Content-Length bodies: each rule's own limit, the global one elsewhere.
    @Test(.timeLimit(.endToEnd(3))) func contentLength() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let uploaded = try await Self.post(port, "/uploads/a", bytes: 200_000)
            #expect(uploaded.status == 200)
            let uploadedLength = try EchoReply(uploaded.body).bodyLength
            #expect(uploadedLength == 200_000)
            #expect(try await Self.post(port, "/uploads/a", bytes: (1 << 20) + 1).status == 413)
            #expect(try await Self.post(port, "/elsewhere", bytes: 1025).status == 413)
            #expect(try await Self.post(port, "/elsewhere", bytes: 1024).status == 200)
            #expect(try await Self.post(port, "/tiny", bytes: 10).status == 200)
            #expect(try await Self.post(port, "/tiny", bytes: 11).status == 413)
            let open = try await Self.post(port, "/open", bytes: 3 << 20)
            #expect(open.status == 200)
            let openLength = try EchoReply(open.body).bodyLength
            #expect(openLength == 3 << 20)
        }
    }

    /// A chunked body is counted as it streams: over the rule's limit it is cut with 413 and the
    /// connection closed, as with the global limit; under it, it arrives whole.
    @Test(.timeLimit(.endToEnd(3))) func chunked() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let over = try await RawConnection.connect(port: port)
            try await over.send("POST /tiny HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n")
            let refused = try #require(try await over.readResponse(method: "POST"))
            #expect(refused.status == 413)
            #expect(try await over.waitForClose())

            let under = try await RawConnection.connect(port: port)
            let chunk = String(repeating: "u", count: 4096)
            try await under.send("POST /uploads HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n\(chunk)\r\n1000\r\n\(chunk)\r\n0\r\n\r\n")
            let accepted = try #require(try await under.readResponse(method: "POST"))
            #expect(accepted.status == 200)
            let acceptedLength = try EchoReply(accepted.body).bodyLength
            #expect(acceptedLength == 8192)
        }
    }
}
