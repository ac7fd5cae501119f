import Testing

/// Upstream connections are pooled and reused: many requests, few upstream connections.
@Suite struct KeepAliveUpstreamTests {
    /// 50 requests on one downstream keep-alive connection, then 30 on separate downstream
    /// connections, reach the upstream over at most 2 connections (one worker, sequential requests).
    @Test(.timeLimit(.endToEnd(3))) func fewUpstreamConnections() async throws {
        try await withScenario { s in
            let backend = try await s.backend("pooled")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint],
                                                    upstreamOptions: "keepalive: { max_idle: 16, idle_timeout: 30s }"),
                                 waitFor: [port])
            let connection = try await RawConnection.connect(port: port)
            for index in 0..<50 {
                try await connection.send("GET /echo?i=\(index) HTTP/1.1\r\nHost: ka.test\r\n\r\n")
                let response = try #require(try await connection.readResponse(), "request \(index)")
                #expect(response.status == 200)
            }
            for index in 0..<30 {
                #expect(try await HTTPClient.request(port: port, path: "/echo?j=\(index)").status == 200)
            }
            let stats = try await backend.stats()
            #expect(stats.requests == 81)
            #expect(stats.connections - 1 <= 2, "upstream saw \(stats.connections - 1) connections for 80 requests")
        }
    }

    /// A downstream `Connection: close` does not close the pooled upstream connection.
    @Test(.timeLimit(.endToEnd(3))) func downstreamCloseKeepsUpstream() async throws {
        try await withScenario { s in
            let backend = try await s.backend("pooled")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            for index in 0..<20 {
                let response = try await HTTPClient.request(port: port, path: "/echo?c=\(index)")
                #expect(response.status == 200)
                #expect(try EchoReply(response.body).header("Connection")?.lowercased() != "close",
                        "Connection: close leaked to the upstream")
            }
            let stats = try await backend.stats()
            #expect(stats.connections - 1 <= 2, "upstream saw \(stats.connections - 1) connections for 20 requests")
        }
    }

    /// An upstream that answers `Connection: close` or closes an idle pooled connection never
    /// causes a failed request: apus drops that connection and uses a fresh one.
    @Test(.timeLimit(.endToEnd(3))) func upstreamClosesConnections() async throws {
        try await withScenario { s in
            let backend = try await s.backend("closer")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            let connection = try await RawConnection.connect(port: port)
            let paths = ["/echo", "/close-after", "/echo", "/idle-close/200", "/sleep-on-client-side", "/echo", "/close-after", "/echo"]
            for path in paths {
                if path == "/sleep-on-client-side" {
                    try await Task.sleep(for: .milliseconds(800))
                    continue
                }
                try await connection.send("GET \(path) HTTP/1.1\r\nHost: c.test\r\n\r\n")
                let response = try await connection.readResponse()
                #expect(response?.status == 200, "\(path): \(response.map(String.init(describing:)) ?? "no response")")
            }
        }
    }
}

/// The pool's limits: idle upstream connections close after keepalive.idle_timeout, and at most
/// keepalive.max_idle stay pooled after a burst.
@Suite struct UpstreamPoolLimitsTests {
    /// With idle_timeout: 1s, the pooled connection is closed by apus about a second after its last use.
    @Test(.timeLimit(.endToEnd(3))) func idleTimeoutClosesPooledConnections() async throws {
        try await withScenario { s in
            let backend = try await s.backend("idle")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint],
                                                    upstreamOptions: "keepalive: { max_idle: 16, idle_timeout: 1s }"), waitFor: [port])
            #expect(try await HTTPClient.request(port: port, path: "/echo").status == 200)
            let pooled = try await backend.stats().open - 1
            #expect(pooled == 1, "expected the one pooled connection to stay open right after the request, saw \(pooled)")
            let closed = try await eventually(timeout: .seconds(4)) { try await backend.stats().open - 1 == 0 }
            #expect(closed, "pooled connection still open 4 s after its last use with idle_timeout: 1s")
        }
    }

    /// After 8 concurrent slow requests, no more than max_idle: 2 connections stay open to the upstream.
    @Test(.timeLimit(.endToEnd(3))) func maxIdleBoundsThePool() async throws {
        try await withScenario { s in
            let backend = try await s.backend("burst")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint],
                                                    upstreamOptions: "keepalive: { max_idle: 2, idle_timeout: 30s }"), waitFor: [port])
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<8 {
                    group.addTask { try await HTTPClient.request(port: port, path: "/delay/500?i=\(index)", timeout: .seconds(10)).status }
                }
                for try await status in group { #expect(status == 200) }
            }
            #expect(try await backend.stats().connections - 1 >= 8, "the burst should have needed 8 upstream connections")
            let bounded = try await eventually(timeout: .seconds(3)) { try await backend.stats().open - 1 <= 2 }
            let open = try await backend.stats().open - 1
            #expect(bounded, "\(open) idle upstream connections kept with max_idle: 2")
        }
    }
}

/// The same pooling check against a real nginx upstream, counting connections from nginx's own log.
@Suite struct KeepAliveNginxUpstreamTests {
    /// 40 requests (20 on one downstream connection, 20 on separate ones) reach nginx over at most 2 connections.
    @Test(.timeLimit(.endToEnd(3))) func nginxSeesFewConnections() async throws {
        try await withScenario { s in
            let nginx = try await s.nginx()
            try s.dir.write("nginx-root/page.html", "<p>page</p>\n")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [nginx.endpoint]), waitFor: [port])
            let connection = try await RawConnection.connect(port: port)
            for index in 0..<20 {
                try await connection.send("GET /page.html?i=\(index) HTTP/1.1\r\nHost: n.test\r\n\r\n")
                #expect(try await connection.readResponse()?.bodyText == "<p>page</p>\n")
            }
            for index in 0..<20 {
                #expect(try await HTTPClient.request(port: port, path: "/page.html?j=\(index)").status == 200)
            }
            var log: [(connection: String, method: String, uri: String, status: Int)] = []
            _ = await eventually(timeout: .seconds(2)) { log = nginx.accessLog(); return log.count >= 40 }
            #expect(log.count == 40)
            let connections = Set(log.map(\.connection))
            #expect(connections.count <= 2, "nginx saw \(connections.count) connections for 40 requests")
        }
    }
}
