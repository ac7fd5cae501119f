import Testing

/// Idle keep-alive connections hold no buffers (DESIGN.md "Data plane": apus must not hold more RSS per
/// idle keep-alive connection than nginx). Measured side by side in the same run: 5,000 clients, one
/// request each, then idle. A DESIGN requirement rather than a line of the serve contract.
@Suite struct IdleConnectionMemoryTests {
    static let connections = 5_000
    /// Allowance for allocator noise, in KiB per connection (page rounding alone is under 0.001).
    static let slackKiB = 0.15

    /// apus's RSS growth per idle keep-alive connection is no more than nginx's (+ slack); apus serves normally afterwards.
    @Test(.timeLimit(.endToEnd(3))) func idleConnectionsAreCheap() async throws {
        try await withScenario(slots: ScenarioGate.capacity) { s in
            let nginx = try await s.nginx(workerConnections: Self.connections + 500)
            try s.dir.write("nginx-root/index.html", "ok")
            let nginxPer = try await Self.perConnectionKiB(port: nginx.port) { nginx.residentKiB() }
            let port = try s.port()
            let apus = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - paths: [ { path: /, type: Prefix, respond: { status: 200, body: "ok", content_type: text/plain } } ]
            timeouts: { keepalive: 120s }
            """), waitFor: [port])
            let apusPer = try await Self.perConnectionKiB(port: port) { apus.residentKiB() }
            expectResidentMemory(apusPer <= nginxPer + Self.slackKiB,
                                 "per idle keep-alive connection: apus \(apusPer) KiB, nginx \(nginxPer) KiB")
            #expect(try await HTTPClient.request(port: port, path: "/").status == 200)
        }
    }

    /// RSS growth (KiB) per connection for `connections` idle keep-alive clients, after a warm-up.
    static func perConnectionKiB(port: Int, rss: () -> Int?) async throws -> Double {
        // Warm up: let the server reach its steady state (pools, first-use allocations) before the baseline.
        try await openIdle(200, port: port).forEach { $0.abort() }
        try await Task.sleep(for: .milliseconds(300))
        let before = try #require(rss())
        let idle = try await openIdle(connections, port: port)
        try await Task.sleep(for: .milliseconds(300))
        let after = try #require(rss())
        for connection in idle { connection.abort() }
        return Double(after - before) / Double(connections)
    }

    /// Opens `count` connections, 100 at a time, each doing one keep-alive request, and returns them open.
    static func openIdle(_ count: Int, port: Int) async throws -> [RawConnection] {
        var all: [RawConnection] = []
        var started = 0
        while started < count {
            let batch = min(100, count - started)
            started += batch
            let opened = try await withThrowingTaskGroup(of: RawConnection.self) { group in
                for _ in 0..<batch {
                    group.addTask {
                        let connection = try await RawConnection.connect(port: port)
                        try await connection.send("GET / HTTP/1.1\r\nHost: idle.test\r\n\r\n")
                        guard try await connection.readResponse()?.status == 200 else { throw HarnessError("request on an idle-to-be connection failed") }
                        return connection
                    }
                }
                var opened: [RawConnection] = []
                for try await connection in group { opened.append(connection) }
                return opened
            }
            all += opened
        }
        return all
    }
}
