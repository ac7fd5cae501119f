import Testing

/// A FIN inside a tunnel is passed on, not turned into a close: the other direction keeps
/// flowing until its sender closes too (issue 3 point 6, "half-close propagated").
@Suite struct TunnelHalfCloseTests {
    static func openTunnel(port: Int, path: String) async throws -> RawConnection {
        let connection = try await RawConnection.connect(port: port)
        try await connection.send("GET \(path) HTTP/1.1\r\nHost: t.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
        let switching = try await connection.readResponse(timeout: .seconds(3))
        guard switching?.status == 101 else {
            throw HarnessError("no 101 for \(path): \(switching.map(String.init(describing:)) ?? "no response")")
        }
        return connection
    }

    /// The client sends, then shuts down its write side: the upstream reads everything up to EOF and
    /// can still answer, and the answer reaches the client before apus closes.
    @Test(.timeLimit(.endToEnd(3))) func downstreamFinReachesUpstreamWhichStillAnswers() async throws {
        try await withScenario { s in
            let backend = try await s.backend("drain")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            let connection = try await Self.openTunnel(port: port, path: "/upgrade-drain")
            let payload = String(repeating: "half-close ", count: 10_000)
            try await connection.send(payload)
            connection.shutdownWrite()
            let received = String(decoding: try await connection.readUntilClose(timeout: .seconds(5)), as: UTF8.self)
            #expect(received.hasPrefix("RECEIVED \(payload.utf8.count) BYTES: "), "\(received.prefix(80))")
            #expect(received.hasSuffix(payload.uppercased()), "the whole answer arrived (\(received.utf8.count) bytes)")
            #expect(connection.peerClosed, "apus closes once the upstream closed too")
        }
    }

    /// The upstream sends, then shuts down its write side: the client sees EOF after those bytes, yet
    /// what it sends afterwards still reaches the upstream; the tunnel ends when the client closes too.
    @Test(.timeLimit(.endToEnd(3))) func upstreamFinReachesClientWhichStillSends() async throws {
        try await withScenario { s in
            let backend = try await s.backend("finfirst")
            let (port, admin) = (try s.port(), try s.port())
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, admin: admin, endpoints: [backend.endpoint]), waitFor: [port, admin])
            let connection = try await Self.openTunnel(port: port, path: "/upgrade-fin-first")
            #expect(try await connection.readUntil(contains: "upstream done\n", timeout: .seconds(3)))
            #expect(try await connection.waitForClose(timeout: .seconds(3)), "the upstream's FIN arrives as EOF")
            try await connection.send("client still talking after the upstream's FIN")
            connection.shutdownWrite()
            let delivered = await eventually(timeout: .seconds(5)) {
                backend.child.stdout.contains("TUNNEL-RECEIVED client still talking after the upstream's FIN")
            }
            #expect(delivered, "backend stdout: \(backend.child.stdout)")
            var closed: Double?
            let ended = await eventually(timeout: .seconds(5), interval: .milliseconds(200)) {
                closed = try? await Probe.metric(adminPort: admin, "apus_tunnels_closed_total{reason=\"closed\"}")
                return closed == 1
            }
            #expect(ended, "tunnel closed cleanly after both FINs: \(String(describing: closed))")
        }
    }
}
