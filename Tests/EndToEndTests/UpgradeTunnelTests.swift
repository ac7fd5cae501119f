import Foundation
import Testing

/// `101 Switching Protocols` turns the exchange into a byte tunnel both ways (DESIGN.md "Request path",
/// issue 3 point 6): the Upgrade request is forwarded with its `Upgrade` and `Connection: upgrade`, a
/// non-101 answer stays plain HTTP, and a tunnel is logged and counted.
@Suite struct UpgradeTunnelTests {
    /// After an Upgrade request and the upstream's 101, bytes flow both ways through apus until the client closes.
    @Test(.timeLimit(.endToEnd(3))) func upgradeBecomesTunnel() async throws {
        try await withScenario { s in
            let backend = try await s.backend("tunnel")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET /upgrade HTTP/1.1\r\nHost: t.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
            let switching = try await connection.readResponse(timeout: .seconds(3))
            #expect(switching?.status == 101, "\(switching.map(String.init(describing:)) ?? "no response")")
            #expect(switching?.header("Upgrade") == "echo")
            #expect(switching?.header("Connection")?.lowercased() == "upgrade")
            for message in ["hello tunnel", "second message", String(repeating: "x", count: 100_000)] {
                try await connection.send(message)
                #expect(try await connection.readUntil(contains: message.uppercased(), timeout: .seconds(3)), "echo of \(message.prefix(20))")
            }
        }
    }

    /// The upstream receives `Upgrade` and `Connection: upgrade` (whatever else the client's Connection
    /// listed); when it answers 200 instead of 101 the exchange is plain HTTP and the connection stays
    /// usable for the next request.
    @Test(.timeLimit(.endToEnd(3))) func upgradeForwardedAndNonSwitchingAnswerStaysHTTP() async throws {
        try await withScenario { s in
            let backend = try await s.backend("plain")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET /echo/ws HTTP/1.1\r\nHost: t.test\r\nConnection: keep-alive, Upgrade\r\n"
                + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
                + "GET /echo/next HTTP/1.1\r\nHost: t.test\r\n\r\n")
            let responses = try await connection.readResponses(2, timeout: .seconds(5))
            #expect(responses.count == 2, "both requests answered on one connection: \(responses)")
            guard responses.count == 2 else { return }
            #expect(responses[0].status == 200)
            #expect(responses[0].header("Upgrade") == nil, "no Upgrade on a non-101 answer")
            let upgraded = try EchoReply(responses[0].body)
            #expect(upgraded.header("Upgrade") == "websocket")
            #expect(upgraded.headerValues("Connection").map { $0.lowercased() } == ["upgrade"])
            #expect(upgraded.header("Sec-WebSocket-Key") == "dGhlIHNhbXBsZSBub25jZQ==")
            let next = try EchoReply(responses[1].body)
            #expect(next.path == "/echo/next")
            #expect(next.header("Upgrade") == nil, "a plain request carries no Upgrade")
        }
    }

    /// HTTP/1.0 has no Upgrade (RFC 9110 §7.8): the header is not forwarded, and a 101 to such a request is a 502.
    @Test(.timeLimit(.endToEnd(3))) func http10UpgradeIsIgnored() async throws {
        try await withScenario { s in
            let backend = try await s.backend("old")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            let echo = try await RawConnection.connect(port: port)
            try await echo.send("GET /echo HTTP/1.0\r\nHost: t.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
            let reply = try await echo.readResponse(timeout: .seconds(5))
            #expect(reply?.status == 200)
            if let reply { #expect(try EchoReply(reply.body).header("Upgrade") == nil) }
            let tunnel = try await RawConnection.connect(port: port)
            try await tunnel.send("GET /upgrade HTTP/1.0\r\nHost: t.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
            #expect(try await tunnel.readResponse(timeout: .seconds(5))?.status == 502)
        }
    }

    /// A tunnel is one access-log line with status 101 and the bytes sent downstream (head and tunnel
    /// bytes), and /metrics counts it opened, closed, and its bytes each way.
    @Test(.timeLimit(.endToEnd(3))) func tunnelIsLoggedAndCounted() async throws {
        try await withScenario { s in
            let backend = try await s.backend("counted")
            let (port, admin) = (try s.port(), try s.port())
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, admin: admin, endpoints: [backend.endpoint],
                                                     extra: "access_log: { format: json, path: access.log }"), waitFor: [port, admin])
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET /upgrade/logged HTTP/1.1\r\nHost: t.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
            #expect(try await connection.readResponse(timeout: .seconds(3))?.status == 101)
            let payload = String(repeating: "abcdefgh", count: 5000)
            try await connection.send(payload)
            #expect(try await connection.readUntil(contains: payload.uppercased(), timeout: .seconds(3)))
            // The client's FIN makes the echo upstream close, which ends the tunnel.
            connection.shutdownWrite()
            #expect(try await connection.waitForClose(timeout: .seconds(5)), "the tunnel ends after both FINs")

            var entry: [String: Any] = [:]
            let logged = await eventually(timeout: .seconds(5)) {
                let lines = s.dir.read("access.log").split(separator: "\n")
                entry = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                    .first { ($0["path"] as? String) == "/upgrade/logged" } ?? [:]
                return !entry.isEmpty
            }
            #expect(logged, "access.log: \(s.dir.read("access.log"))")
            #expect(entry["status"] as? Int == 101, "\(entry)")
            let sent = entry["bytes_sent"] as? Int ?? 0
            #expect(sent > 40_000 && sent < 41_000, "bytes_sent \(sent): the 101 head plus 40000 tunnel bytes")

            let expected: [(String, Double)] = [
                ("apus_tunnels_opened_total", 1), ("apus_tunnels_active", 0),
                ("apus_tunnels_closed_total{reason=\"closed\"}", 1),
                ("apus_tunnel_bytes_total{direction=\"upstream\"}", 40_000),
                ("apus_tunnel_bytes_total{direction=\"downstream\"}", 40_000),
                ("apus_requests_total{namespace=\"\",ingress=\"\",service=\"app\",host=\"\",path=\"/\",method=\"GET\",status=\"101\",canary=\"\"}", 1),
            ]
            var seen: [String: Double] = [:]
            let counted = await eventually(timeout: .seconds(5), interval: .milliseconds(200)) {
                for (name, _) in expected { seen[name] = try? await Probe.metric(adminPort: admin, name) }
                return expected.allSatisfy { seen[$0.0] == $0.1 }
            }
            #expect(counted, "metrics \(seen)")
        }
    }
}
