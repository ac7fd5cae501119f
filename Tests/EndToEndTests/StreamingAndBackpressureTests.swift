import Foundation
import Testing

/// Bodies are streamed, never stored: bytes flow on as they arrive, and a slow reader on one side
/// stops apus reading from the other (memory stays bounded).
@Suite(.serialized) struct StreamingAndBackpressureTests {
    static let rssLimitKiB = 100 * 1024

    static func start(_ s: Scenario) async throws -> (apus: ApusProcess, port: Int) {
        let backend = try await s.backend("stream")
        let port = try s.port()
        let apus = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint], upstreamOptions: "read_timeout: 30s"),
                                    waitFor: [port])
        return (apus, port)
    }

    /// The first chunk of a slow upstream response reaches the client long before the upstream finishes.
    @Test(.timeLimit(.endToEnd(3))) func responseIsStreamed() async throws {
        try await withScenario { s in
            let (_, port) = try await Self.start(s)
            let connection = try await RawConnection.connect(port: port)
            let start = ContinuousClock.now
            try await connection.send("GET /slow-stream/2000 HTTP/1.1\r\nHost: s.test\r\n\r\n")
            #expect(try await connection.readUntil(contains: "first", timeout: .seconds(5)))
            let firstAfter = ContinuousClock.now - start
            #expect(firstAfter < .milliseconds(1500), "first chunk only after \(firstAfter): the response was buffered")
            let response = try await connection.readResponse(timeout: .seconds(5))
            #expect(response?.bodyText == "first\nsecond\n")
        }
    }

    /// A client that stops reading a 1 GiB download holds apus's RSS under 100 MiB (apus stops reading the upstream).
    @Test(.timeLimit(.endToEnd(3))) func slowDownstreamReader() async throws {
        try await withScenario(slots: ScenarioGate.capacity) { s in
            let (apus, port) = try await Self.start(s)
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET /bytes/\(1 << 30) HTTP/1.1\r\nHost: s.test\r\n\r\n")
            let sampler = ResidentMemorySampler(apus)
            try await Task.sleep(for: .seconds(3))
            let memory = sampler.stop()
            expectResidentMemory(memory.peakKiB < Self.rssLimitKiB, "apus peak RSS \(memory.peakKiB) KiB while the client did not read")
            #expect(try await connection.readUntil(contains: "HTTP/1.1 200", timeout: .seconds(3)), "the download had started")
            connection.abort()
            #expect(try await HTTPClient.request(port: port, path: "/echo").status == 200)
        }
    }

    /// A client that stops reading leaves little queued in apus's socket for it (the unsent-bytes
    /// limit): without it the kernel grew that send queue to megabytes, copied out of the upstream
    /// ahead of the client. The download then completes.
    @Test(.timeLimit(.endToEnd(3))) func slowReaderGetsLittleQueuedInTheKernel() async throws {
        try await withScenario { s in
            let (_, port) = try await Self.start(s)
            let size = 64 << 20
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET /bytes/\(size) HTTP/1.1\r\nHost: s.test\r\n\r\n")
            try await Task.sleep(for: .seconds(2))
            let queues = try KernelSocketQueues.of(localPort: port, remotePort: connection.localPort)
            #expect(queues != nil, "apus's socket for the client is not in /proc/net/tcp")
            // 16 KiB of unsent bytes plus at most one segment being built (64 KiB on loopback).
            #expect((queues?.unacknowledgedBytes ?? .max) <= 128 << 10,
                    "apus queued \(queues?.unacknowledgedBytes ?? -1) bytes for a client that read nothing")
            let received = try await connection.discard(count: size, timeout: .seconds(60))
            #expect(received >= size, "only \(received) bytes arrived")
        }
    }

    /// An upstream that doesn't read a 1 GiB upload for 3 s holds apus's RSS under 100 MiB, and the upload then completes intact.
    @Test(.timeLimit(.endToEnd(5))) func slowUpstreamReader() async throws {
        try await withScenario(slots: ScenarioGate.capacity) { s in
            let (apus, port) = try await Self.start(s)
            let sampler = ResidentMemorySampler(apus)
            let result = try await Curl.run(["-T", "-", "-X", "POST", "http://127.0.0.1:\(port)/sink-after/3000"], in: s.dir,
                                            stdinCommand: "python3 \(s.dir.file("backend.py")) --generate \(1 << 30) \(s.dir.file("up.sha"))",
                                            timeout: .seconds(150))
            let memory = sampler.stop()
            #expect(result.status == 200, "\(result)")
            let echo = try EchoReply(Array(result.body))
            #expect(echo.bodyLength == 1 << 30)
            #expect(echo.bodySHA256 == s.dir.read("up.sha"))
            expectResidentMemory(memory.peakKiB < Self.rssLimitKiB, "apus peak RSS \(memory.peakKiB) KiB while the upstream did not read")
        }
    }
}
