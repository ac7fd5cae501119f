import Testing

/// Downstream timeouts: a client that stalls mid-head is cut off after timeouts.header_read, an idle
/// keep-alive connection is closed after timeouts.keepalive, and neither blocks other clients.
@Suite struct DownstreamTimeoutsTests {
    static func start(_ s: Scenario) async throws -> Int {
        let backend = try await s.backend("t")
        let port = try s.port()
        _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint],
                                                extra: "timeouts: { header_read: 1s, keepalive: 1s }"), waitFor: [port])
        return port
    }

    /// A head that stops arriving is closed (408 or silently) within a few seconds, and others are served meanwhile.
    @Test(.timeLimit(.endToEnd(3))) func stalledHeadIsClosed() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let stalled = try await RawConnection.connect(port: port)
            try await stalled.send("GET /echo HTTP/1.1\r\nHost: slow.test\r\nX-Partial: ")
            let silent = try await RawConnection.connect(port: port)
            #expect(try await HTTPClient.request(port: port, path: "/echo").status == 200, "others are served while one stalls")
            let start = ContinuousClock.now
            let bytes = try await stalled.readUntilClose(timeout: .seconds(5))
            #expect(stalled.peerClosed, "stalled head not closed within 5 s")
            #expect(ContinuousClock.now - start < .seconds(4))
            if !bytes.isEmpty {
                #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 408"), "only a 408 may be sent")
            }
            #expect(try await silent.waitForClose(timeout: .seconds(4)), "a connection that never sends is closed too")
        }
    }

    /// An idle keep-alive connection is closed after timeouts.keepalive; an active one is not.
    @Test(.timeLimit(.endToEnd(3))) func idleKeepAliveIsClosed() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let connection = try await RawConnection.connect(port: port)
            for _ in 0..<4 {
                try await connection.send("GET /echo HTTP/1.1\r\nHost: ka.test\r\n\r\n")
                #expect(try await connection.readResponse()?.status == 200)
                try await Task.sleep(for: .milliseconds(400))
            }
            #expect(!connection.peerClosed, "closed while in use")
            #expect(try await connection.waitForClose(timeout: .seconds(4)), "idle keep-alive connection still open after 4 s with keepalive: 1s")
        }
    }
}
