import Foundation
import Testing

/// Idle HTTP/2 connections cost no more than nginx's (issue 15): the same Python client
/// opens 5,000 TLS connections to each, one h2 request with a browser's fields on each,
/// waits past Apus's memory-release delay and reads the server's RSS growth. Then some of
/// the idle connections make a second request, which reuses what the session released.
@Suite struct HTTP2IdleMemoryTests {
    static let connections = 5_000
    /// Allowance for allocator noise, in KiB per connection.
    static let slackKiB = 0.15

    @Test(.timeLimit(.endToEnd(3))) func idleHTTP2ConnectionsCostNoMoreThanNginxs() async throws {
        try await withScenario(slots: ScenarioGate.capacity) { s in
            let certificates = try await TLSTestCertificates.shared()
            let script = try s.dir.write("h2idle.py", Self.script)
            let nginx = try await s.nginx(workerConnections: Self.connections + 500, tls: certificates.app, http2: true)
            try s.dir.write("nginx-root/small", "ok\n")
            let nginxPer = try await Self.measure(script, port: nginx.port, pid: nginx.child.pid, s)
            let port = try s.port()
            let apus = try await s.apus("""
            workers: 1
            listeners:
              - listen: 127.0.0.1:\(port)
                tls: { certificates: [ { cert: \(certificates.app.cert), key: \(certificates.app.key) } ] }
            routes:
              - paths: [ { path: /, type: Prefix, respond: { status: 200, body: "ok\\n", content_type: text/plain } } ]
            timeouts: { keepalive: 120s }
            """, waitFor: [port])
            let apusPer = try await Self.measure(script, port: port, pid: apus.pid, s)
            expectResidentMemory(apusPer <= nginxPer + Self.slackKiB,
                                 "per idle HTTP/2 connection: apus \(apusPer) KiB, nginx \(nginxPer) KiB")
        }
    }

    /// RSS growth in KiB per idle connection; every request and every second request on
    /// an idle connection must have been answered 200.
    static func measure(_ script: String, port: Int, pid: Int32, _ s: Scenario) async throws -> Double {
        let output = try await Tool.run("/usr/bin/env", ["python3", script, String(port), String(pid), String(connections)],
                                        in: s.dir, timeout: .seconds(300))
        let line = output.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let result = try #require((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], "\(output)")
        #expect(result["reused"] as? Int == 50, "second requests on idle connections: \(result)")
        return try #require(result["perConnectionKiB"] as? Double)
    }

    static let script = #"""
    import json, resource, socket, ssl, sys, time
    import h2.config, h2.connection, h2.events

    port, pid, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    FIELDS = [("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"),
              ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"),
              ("accept-language", "en-US,en;q=0.9"), ("accept-encoding", "gzip, deflate, br")]

    def rss():
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

    def request(sock, conn, stream):
        conn.send_headers(stream, [(":method", "GET"), (":scheme", "https"), (":authority", "localhost"), (":path", "/small")] + FIELDS, end_stream=True)
        sock.sendall(conn.data_to_send())
        status = None
        while True:
            data = sock.recv(65536)
            if not data:
                return None
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    status = dict(event.headers).get(b":status")
                if isinstance(event, h2.events.DataReceived):
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                if isinstance(event, h2.events.StreamEnded):
                    sock.sendall(conn.data_to_send())
                    return status
            sock.sendall(conn.data_to_send())

    def connect():
        sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
        assert sock.selected_alpn_protocol() == "h2"
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding=None))
        conn.initiate_connection()
        assert request(sock, conn, 1) == b"200"
        return sock, conn

    for _ in range(20):
        connect()[0].close()
    time.sleep(0.5)
    before = rss()
    idle = [connect() for _ in range(count)]
    time.sleep(2)
    after = rss()
    reused = sum(1 for sock, conn in idle[:50] if request(sock, conn, 3) == b"200")
    print(json.dumps({"perConnectionKiB": (after - before) / count, "reused": reused}))
    """#
}
