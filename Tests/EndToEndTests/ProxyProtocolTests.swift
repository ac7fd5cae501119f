import Foundation
import Testing

/// `proxy_protocol: true` on a listener: the client a load balancer names in a PROXY
/// protocol header (v1 text or v2 binary, before HTTP or before TLS) is the client for
/// X-Forwarded-For, X-Real-IP, access lists and the access log; a connection without a
/// valid header is closed and counted.
@Suite struct ProxyProtocolTests {
    /// Sends one request behind a PROXY header (`v1` names 203.0.113.9, `v2` names
    /// 2001:db8::7 or, with `local`, nobody), optionally inside TLS started after the
    /// header, and prints the status line and the body.
    static let client = #"""
    import socket, ssl, struct, sys
    port, version, use_tls, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "tls", sys.argv[4]
    if version == "v1":
        header = b"PROXY TCP4 203.0.113.9 127.0.0.1 40000 443\r\n"
    elif version == "v2":
        addresses = socket.inet_pton(socket.AF_INET6, "2001:db8::7") + socket.inet_pton(socket.AF_INET6, "2001:db8::1")
        body = addresses + struct.pack("!HH", 40000, 443) + b"\x04\x00\x03abc"  # and a NOOP TLV
        header = b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x21]) + struct.pack("!H", len(body)) + body
    else:
        header = b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x20, 0x00, 0, 0])
    sock = socket.create_connection(("127.0.0.1", port))
    # The header and the first bytes after it in one segment, as a balancer may send them.
    request = b"GET /echo HTTP/1.1\r\nHost: app.example.test\r\nConnection: close\r\n\r\n"
    if use_tls:
        sock.sendall(header)
        context = ssl.create_default_context(cafile=ca)
        sock = context.wrap_socket(sock, server_hostname="app.example.test")
        sock.sendall(request)
    else:
        sock.sendall(header + request)
    reply = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    print(head.split(b"\r\n")[0].decode())
    print(body.decode())
    """#

    static func send(_ s: Scenario, port: Int, _ version: String, tls: Bool = false, ca: String = "-") async throws -> (status: String, echo: EchoReply?) {
        let script = try s.dir.write("proxy_client.py", Self.client)
        let output = try await Tool.run("/usr/bin/env", ["python3", script, String(port), version, tls ? "tls" : "plain", ca], in: s.dir)
        let lines = output.stdout.split(separator: "\n", maxSplits: 1).map(String.init)
        let echo = lines.count == 2 ? try? EchoReply(Array(lines[1].utf8)) : nil
        return (lines.first ?? "(no reply: \(output.stderr))", echo)
    }

    @Test(.timeLimit(.endToEnd(3))) func theClientNamedByTheBalancerOverPlainHTTP() async throws {
        try await withScenario { s in
            let backend = try await s.backend("app")
            let port = try s.port()
            let admin = try s.port()
            _ = try await s.apus("""
            admin: { listen: 127.0.0.1:\(admin) }
            listeners: [{ listen: 127.0.0.1:\(port), proxy_protocol: true }]
            routes:
              - deny: [198.51.100.0/24]
                paths: [{ path: /, upstream: app }]
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
            access_log: { format: json, path: access.log }
            """, waitFor: [port])

            let v1 = try await Self.send(s, port: port, "v1")
            #expect(v1.status == "HTTP/1.1 200 OK")
            #expect(v1.echo?.header("X-Real-IP") == "203.0.113.9")
            #expect(v1.echo?.header("X-Forwarded-For") == "203.0.113.9")
            let v2 = try await Self.send(s, port: port, "v2")
            #expect(v2.status == "HTTP/1.1 200 OK")
            #expect(v2.echo?.header("X-Real-IP") == "2001:db8::7")
            // LOCAL (a balancer's health check): the connection's own peer stays the client.
            let local = try await Self.send(s, port: port, "local")
            #expect(local.echo?.header("X-Real-IP") == "127.0.0.1")
            // curl's own header (v1, the real addresses), from another local address.
            let curl = try await s.curl(["--haproxy-protocol", "--interface", "127.0.0.3", "http://127.0.0.1:\(port)/echo"])
            #expect(curl.status == 200, "\(curl)")
            #expect(try EchoReply(Array(curl.body)).header("X-Real-IP") == "127.0.0.3")

            // No header: the connection is closed without an answer, and counted.
            let plain = try await s.curl(["http://127.0.0.1:\(port)/echo"])
            #expect(plain.status == 0)
            let garbage = try await RawConnection.connect(port: port)
            try await garbage.send("PROXY TCP4 not-an-address 127.0.0.1 1 2\r\nGET / HTTP/1.1\r\n\r\n")
            #expect(try await garbage.readUntilClose().isEmpty)
            // Workers flush their counters to /metrics every few hundred milliseconds.
            let counted = await eventually(timeout: .seconds(5)) {
                let metrics = try? await HTTPClient.request(port: admin, path: "/metrics")
                return metrics.map { String(decoding: $0.body, as: UTF8.self).contains("apus_proxy_protocol_refusals_total 2\n") } ?? false
            }
            #expect(counted)

            var clients: [String] = []
            let logged = await eventually(timeout: .seconds(3)) {
                clients = s.dir.read("access.log").split(separator: "\n").compactMap {
                    (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["client"] as? String
                }
                return clients.count == 4
            }
            // Two workers write their own lines; the order between them is not the requests'.
            #expect(logged && clients.sorted() == ["127.0.0.1", "127.0.0.3", "2001:db8::7", "203.0.113.9"], "\(clients)")
        }
    }

    @Test(.timeLimit(.endToEnd(3))) func theHeaderComesBeforeTheTLSHandshake() async throws {
        try await withScenario { s in
            let certificates = try await TLSTestCertificates.shared()
            let backend = try await s.backend("app")
            let port = try s.port()
            _ = try await s.apus("""
            listeners:
              - listen: 127.0.0.1:\(port)
                proxy_protocol: true
                tls: { certificates: [{ cert: \(certificates.app.cert), key: \(certificates.app.key) }] }
            routes:
              - allow: [2001:db8::/32]
                paths: [{ path: /, upstream: app }]
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
            """, waitFor: [port])
            let v2 = try await Self.send(s, port: port, "v2", tls: true, ca: certificates.ca)
            #expect(v2.status == "HTTP/1.1 200 OK")
            #expect(v2.echo?.header("X-Real-IP") == "2001:db8::7")
            #expect(v2.echo?.header("X-Forwarded-Proto") == "https")
            // The allow list sees the named client: 203.0.113.9 is outside it.
            let v1 = try await Self.send(s, port: port, "v1", tls: true, ca: certificates.ca)
            #expect(v1.status == "HTTP/1.1 403 Forbidden")
            let curl = try await s.curl(["--haproxy-protocol", "--cacert", certificates.ca, "https://localhost:\(port)/echo"])
            #expect(curl.status == 403, "\(curl)")
        }
    }
}
