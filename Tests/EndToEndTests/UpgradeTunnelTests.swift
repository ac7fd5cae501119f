import Testing

/// `101 Switching Protocols` turns the exchange into a byte tunnel both ways (DESIGN.md "Request path";
/// not in the serve contract's list, so a failure here is a design gap rather than a contract break).
@Suite struct UpgradeTunnelTests {
    /// After an Upgrade request and the upstream's 101, bytes flow both ways through apus until the client closes.
    @Test(.timeLimit(.minutes(3))) func upgradeBecomesTunnel() async throws {
        try await withScenario { s in
            let backend = try await s.backend("tunnel")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET /upgrade HTTP/1.1\r\nHost: t.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
            let switching = try await connection.readResponse(timeout: .seconds(3))
            #expect(switching?.status == 101, "\(switching.map(String.init(describing:)) ?? "no response")")
            #expect(switching?.header("Upgrade") == "echo")
            for message in ["hello tunnel", "second message", String(repeating: "x", count: 100_000)] {
                try await connection.send(message)
                #expect(try await connection.readUntil(contains: message.uppercased(), timeout: .seconds(3)), "echo of \(message.prefix(20))")
            }
        }
    }
}
