import Testing

/// `timeouts.tunnel_idle`: a tunnel where no byte moves either way for that long is closed; any
/// byte in either direction starts the wait again (issue 3 point 6, "its own idle timeout").
@Suite struct TunnelIdleTimeoutTests {
    /// With `tunnel_idle: 1500ms`, traffic every 200 ms keeps the tunnel open for over 2 s, and
    /// silence closes it about 1.5 s later (counted as an idle_timeout).
    @Test(.timeLimit(.endToEnd(3))) func silentTunnelIsClosed() async throws {
        try await withScenario { s in
            let backend = try await s.backend("idle")
            let (port, admin) = (try s.port(), try s.port())
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, admin: admin, endpoints: [backend.endpoint],
                                                     extra: "timeouts: { tunnel_idle: 1500ms }"), waitFor: [port, admin])
            let connection = try await TunnelHalfCloseTests.openTunnel(port: port, path: "/upgrade")
            let start = ContinuousClock.now
            for i in 0..<12 {
                try await Task.sleep(for: .milliseconds(200))
                try await connection.send("tick \(i);")
                #expect(try await connection.readUntil(contains: "TICK \(i);", timeout: .seconds(2)), "tick \(i) echoed")
            }
            #expect(ContinuousClock.now - start > .seconds(2), "the tunnel outlived its idle timeout while busy")
            let silent = ContinuousClock.now
            #expect(try await connection.waitForClose(timeout: .seconds(5)), "a silent tunnel is closed")
            let waited = ContinuousClock.now - silent
            #expect(waited > .milliseconds(1200) && waited < .seconds(4), "closed after \(waited) of silence")
            var idle: Double?
            let counted = await eventually(timeout: .seconds(5), interval: .milliseconds(200)) {
                idle = try? await Probe.metric(adminPort: admin, "apus_tunnels_closed_total{reason=\"idle_timeout\"}")
                return idle == 1
            }
            #expect(counted, "idle_timeout count \(String(describing: idle))")
        }
    }

    /// Without a `tunnel_idle` key the limit is an hour, as /routes shows.
    @Test(.timeLimit(.endToEnd(3))) func defaultIsAnHour() async throws {
        try await withScenario { s in
            let backend = try await s.backend("default")
            let (port, admin) = (try s.port(), try s.port())
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, admin: admin, endpoints: [backend.endpoint]), waitFor: [port, admin])
            let routes = try await HTTPClient.request(port: admin, path: "/routes").bodyText
            #expect(routes.contains("\"tunnelIdleMs\":3600000"), "\(routes)")
        }
    }
}
