import Foundation
import Testing

/// WebSockets through apus between two real implementations (Python `websockets` client and
/// server): the handshake's Upgrade is forwarded, the 101 turns the exchange into a tunnel,
/// and frames, pings and close codes pass unchanged (issue 3, point 6).
@Suite struct WebSocketTunnelTests {
    /// Text, binary and a 16 MiB binary message come back identical; permessage-deflate is negotiated through apus.
    @Test(.timeLimit(.endToEnd(3))) func echoSmallAndSixteenMiBMessages() async throws {
        try await withScenario { s in
            let server = try await s.webSocketServer()
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [server.endpoint]), waitFor: [port])
            let result = try await s.webSocketClient("ws://127.0.0.1:\(port)/echo", "echo")
            #expect(result["text"] as? Bool == true, "\(result)")
            #expect(result["binary"] as? Bool == true, "\(result)")
            #expect(result["deflate"] as? Bool == true, "\(result)")
            #expect(result["big"] as? Bool == true, "\(result)")
        }
    }

    /// Pings sent through apus are answered by the server's pongs, and messages still flow afterwards.
    @Test(.timeLimit(.endToEnd(3))) func pingsGetPongs() async throws {
        try await withScenario { s in
            let server = try await s.webSocketServer()
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [server.endpoint]), waitFor: [port])
            let result = try await s.webSocketClient("ws://127.0.0.1:\(port)/ping", "ping")
            #expect(result["ok"] as? Bool == true, "\(result)")
            #expect(result["pongs"] as? Int == 10, "\(result)")
        }
    }

    /// Close codes pass both ways: the client's 4001 "bye" reaches the server, the server's 1011 reaches the client.
    @Test(.timeLimit(.endToEnd(3))) func closeCodesPassThrough() async throws {
        try await withScenario { s in
            let server = try await s.webSocketServer()
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [server.endpoint]), waitFor: [port])
            let clientClose = try await s.webSocketClient("ws://127.0.0.1:\(port)/client-close", "client-close")
            #expect(clientClose["ok"] as? Bool == true, "the server's close frame echoes 4001: \(clientClose)")
            let seen = await eventually(timeout: .seconds(5)) { server.closes.contains("/client-close 4001 bye") }
            #expect(seen, "server saw closes \(server.closes)")

            let serverClose = try await s.webSocketClient("ws://127.0.0.1:\(port)/server-close", "server-close")
            #expect(serverClose["ok"] as? Bool == true, "\(serverClose)")
            #expect(serverClose["code"] as? Int == 1011, "\(serverClose)")
            #expect(serverClose["reason"] as? String == "server bye", "\(serverClose)")
        }
    }

    /// With TLS on the client side, the upstream side, or both, the 16 MiB echo and the close codes
    /// still pass (the tunnel reads and writes TLS records rather than socket bytes).
    @Test(.timeLimit(.endToEnd(3)), arguments: [(true, false), (false, true), (true, true)])
    func tlsOnEitherSideOrBoth(downstreamTLS: Bool, upstreamTLS: Bool) async throws {
        try await withScenario { s in
            let certificates = try await TLSTestCertificates.shared()
            let server = try await s.webSocketServer(tls: upstreamTLS ? certificates.app : nil)
            let port = try s.port()
            let listenerTLS = downstreamTLS
                ? "\n    tls: { certificates: [{ cert: \(certificates.app.cert), key: \(certificates.app.key) }] }" : ""
            let upstreamOptions = upstreamTLS ? ", tls: { ca: \(certificates.ca), server_name: localhost }" : ""
            _ = try await s.apus("""
            workers: 1
            listeners:
              - name: edge
                listen: 127.0.0.1:\(port)\(listenerTLS)
            routes:
              - paths: [{ path: /, type: Prefix, upstream: ws }]
            upstreams:
              ws: { endpoints: [\(server.endpoint)]\(upstreamOptions) }
            """, waitFor: [port])
            let url = "\(downstreamTLS ? "wss" : "ws")://localhost:\(port)"
            let echo = try await s.webSocketClient(url + "/echo", "echo", trustedCA: certificates.ca)
            #expect(echo["ok"] as? Bool == true, "\(echo)")
            let serverClose = try await s.webSocketClient(url + "/server-close", "server-close", trustedCA: certificates.ca)
            #expect(serverClose["code"] as? Int == 1011, "\(serverClose)")
            let clientClose = try await s.webSocketClient(url + "/client-close", "client-close", trustedCA: certificates.ca)
            #expect(clientClose["ok"] as? Bool == true, "\(clientClose)")
            let seen = await eventually(timeout: .seconds(5)) { server.closes.contains("/client-close 4001 bye") }
            #expect(seen, "server saw closes \(server.closes)")
        }
    }

    /// One worker carries 1,000 WebSockets open at once (the gauge says 1000) in under 10 MiB of
    /// memory, each echoing correctly, and every tunnel ends cleanly when the clients close.
    @Test(.timeLimit(.endToEnd(5))) func thousandConcurrentTunnelsOnOneWorker() async throws {
        try await withScenario(slots: 2) { s in
            let server = try await s.webSocketServer()
            let (port, admin) = (try s.port(), try s.port())
            let apus = try await s.apus(ApusConfig.proxyAll(listen: port, admin: admin, endpoints: [server.endpoint]), waitFor: [port, admin])
            let before = apus.residentKiB() ?? 0
            let go = s.dir.file("go")
            let client = try WebSocketPeer.startClient(url: "ws://127.0.0.1:\(port)/many", scenario: "concurrent",
                                                       arguments: ["1000", go], in: s.dir)
            s.track(client)
            let opened = await eventually(timeout: .seconds(90), interval: .milliseconds(100)) {
                client.stdout.contains("OPEN 1000") || !client.isRunning
            }
            #expect(opened && client.isRunning, "client: \(client.stdout) \(client.stderrTail())")
            var active: Double?
            let gauge = await eventually(timeout: .seconds(5), interval: .milliseconds(200)) {
                active = try? await Probe.metric(adminPort: admin, "apus_tunnels_active")
                return active == 1000
            }
            #expect(gauge, "apus_tunnels_active \(active.map(String.init(describing:)) ?? "absent")")
            // A quiet tunnel holds no buffer: 1,000 of them cost about 3 MiB (2 connections and an
            // exchange each), where one 128 KiB buffer per direction would be 256 MiB.
            let open = apus.residentKiB() ?? 0
            expectResidentMemory(open - before < 10 * 1024, "apus RSS \(before) KiB before, \(open) KiB with 1000 open tunnels")
            try s.dir.write("go", "")
            let result = try await WebSocketPeer.result(of: client, scenario: "concurrent", timeout: .seconds(120))
            #expect(result["ok"] as? Bool == true, "\(result)")
            #expect(result["echoed"] as? Int == 1000, "\(result)")
            var closed: Double?
            let drained = await eventually(timeout: .seconds(10), interval: .milliseconds(200)) {
                closed = try? await Probe.metric(adminPort: admin, "apus_tunnels_closed_total{reason=\"closed\"}")
                active = try? await Probe.metric(adminPort: admin, "apus_tunnels_active")
                return active == 0 && closed == 1000
            }
            #expect(drained, "after the clients closed: active \(String(describing: active)), closed \(String(describing: closed))")
        }
    }
}
