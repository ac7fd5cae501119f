import Foundation
import Testing

/// Checks the harness itself against the Python backend alone (no apus), so a failing proxy
/// test can't be blamed on the tools.
@Suite struct HarnessTests {
    /// The backend echoes method, path, headers and body digest, and counts keep-alive connections once.
    @Test(.timeLimit(.endToEnd(3))) func backendEchoAndKeepAlive() async throws {
        try await withScenario { s in
            let backend = try await s.backend("solo")
            let connection = try await RawConnection.connect(port: backend.port)
            let body = "hello"
            for index in 0..<3 {
                try await connection.send("POST /echo?i=\(index) HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n\(body)")
                let response = try #require(try await connection.readResponse())
                let echo = try EchoReply(response.body)
                #expect(response.header("X-Backend") == "solo")
                #expect(echo.path == "/echo?i=\(index)")
                #expect(echo.bodySHA256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
            }
            let stats = try await backend.stats()
            #expect(stats.connections == 2)
            #expect(stats.paths == ["/echo?i=0", "/echo?i=1", "/echo?i=2"])
        }
    }

    /// Pipelined responses split correctly: Content-Length, chunked, HEAD and 304 framing.
    @Test(.timeLimit(.endToEnd(3))) func responseSplitting() async throws {
        try await withScenario { s in
            let backend = try await s.backend("split")
            let connection = try await RawConnection.connect(port: backend.port)
            try await connection.send(
                "GET /bytes/10 HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /chunked/70000 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "HEAD /bytes/99 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /cached HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"v1\"\r\n\r\n" + "GET /status/204 HTTP/1.1\r\nHost: x\r\n\r\n")
            let responses = try await connection.readResponses(5, methods: ["GET", "GET", "HEAD", "GET", "GET"])
            #expect(responses.map(\.status) == [200, 200, 200, 304, 204])
            #expect(responses.map(\.body.count) == [10, 70000, 0, 0, 0])
        }
    }

    /// curl runs, reports status/headers/body, and the chunked generator's digest matches what the backend hashed.
    @Test(.timeLimit(.endToEnd(3))) func curlAndGenerator() async throws {
        try await withScenario { s in
            let backend = try await s.backend("curl")
            let shaFile = s.dir.file("gen.sha")
            let result = try await Curl.run(["-T", "-", "-X", "POST", "http://127.0.0.1:\(backend.port)/echo"], in: s.dir,
                                            stdinCommand: "python3 \(s.dir.file("backend.py")) --generate 3000000 \(shaFile)")
            #expect(result.status == 200, "\(result)")
            let echo = try EchoReply(Array(result.body))
            #expect(echo.header("Transfer-Encoding") == "chunked")
            #expect(echo.bodyLength == 3_000_000)
            #expect(echo.bodySHA256 == s.dir.read("gen.sha"))
            #expect(try await backend.patternSHA256(3_000_000) == echo.bodySHA256)
        }
    }

    /// The nginx upstream serves files and its log tells connections apart.
    @Test(.timeLimit(.endToEnd(3))) func nginxBackend() async throws {
        try await withScenario { s in
            let nginx = try await s.nginx()
            try s.dir.write("nginx-root/a.txt", "A\n")
            let connection = try await RawConnection.connect(port: nginx.port)
            try await connection.send("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
            let responses = try await connection.readResponses(2)
            #expect(responses.map(\.status) == [200, 404])
            #expect(responses.last?.header("X-Backend") == "nginx")
            #expect(try await HTTPClient.request(port: nginx.port, path: "/a.txt").bodyText == "A\n")
            var log: [(connection: String, method: String, uri: String, status: Int)] = []
            _ = await eventually(timeout: .seconds(2)) { log = nginx.accessLog(); return log.count >= 3 }
            #expect(log.count == 3)
            #expect(Set(log.map(\.connection)).count == 2)
        }
    }

    /// The backend's /upgrade answers 101 and echoes upper-cased bytes; /slow-stream sends its first chunk early.
    @Test(.timeLimit(.endToEnd(3))) func upgradeAndSlowStream() async throws {
        try await withScenario { s in
            let backend = try await s.backend("raw")
            let tunnel = try await RawConnection.connect(port: backend.port)
            try await tunnel.send("GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
            #expect(try await tunnel.readResponse()?.status == 101)
            try await tunnel.send("ping")
            #expect(try await tunnel.readUntil(contains: "PING", timeout: .seconds(2)))
            let stream = try await RawConnection.connect(port: backend.port)
            let start = ContinuousClock.now
            try await stream.send("GET /slow-stream/1000 HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await stream.readUntil(contains: "first", timeout: .seconds(2)))
            #expect(ContinuousClock.now - start < .milliseconds(800))
            #expect(try await stream.readResponse()?.bodyText == "first\nsecond\n")
        }
    }

    /// A missing binary is a thrown error naming the path and the fix (a failure, never a skip).
    @Test func missingBinaryIsAnError() throws {
        let error = #expect(throws: HarnessError.self) {
            try ApusBinary.path(environment: ["APUS_BINARY": "/nonexistent/apus"])
        }
        #expect(error?.description.contains("/nonexistent/apus") == true)
        #expect(error?.description.contains("swift build") == true)
    }
}
