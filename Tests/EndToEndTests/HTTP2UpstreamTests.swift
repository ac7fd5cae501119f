import Foundation
import Testing

/// Upstreams over HTTP/2 (`protocol: h2`): h2c with prior knowledge to nginx and to an h2
/// server with small limits, streams multiplexed within the upstream's SETTINGS, its flow
/// control honoured, GOAWAY and REFUSED_STREAM retried.
@Suite struct HTTP2UpstreamTests {
    static func apus(_ s: Scenario, endpoint: String, extra: String = "") async throws -> Int {
        let port = try s.port()
        _ = try await s.apus("""
        workers: 1
        listeners: [{ name: plain, listen: 127.0.0.1:\(port) }]
        routes:
          - paths: [{ path: /, type: Prefix, upstream: h2 }]
        upstreams:
          h2: { protocol: h2, endpoints: [\(endpoint)]\(extra) }
        """, waitFor: [port])
        return port
    }

    /// nginx as an h2c upstream: it sees HTTP/2 with `te: trailers`; a 3 MB file, a HEAD
    /// and a 404 come back as nginx sent them, to HTTP/1.1 clients.
    @Test(.timeLimit(.endToEnd(2))) func nginxOverH2c() async throws {
        try await withScenario { s in
            let nginx = try await s.nginx(http2: true)
            let file = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) })
            try file.write(to: URL(fileURLWithPath: nginx.root + "/big.bin"))
            let port = try await Self.apus(s, endpoint: "127.0.0.1:\(nginx.port)")
            let protocolSeen = try await s.curl(["http://127.0.0.1:\(port)/protocol"])
            #expect(protocolSeen.status == 200 && protocolSeen.bodyText == "HTTP/2.0 trailers", "\(protocolSeen.bodyText)")
            let big = try await s.curl(["http://127.0.0.1:\(port)/big.bin"])
            #expect(big.status == 200 && big.body == file, "\(big)")
            let head = try await s.curl(["-I", "http://127.0.0.1:\(port)/big.bin"])
            #expect(head.status == 200 && head.header("Content-Length") == "3000000", "\(head)")
            let missing = try await s.curl(["http://127.0.0.1:\(port)/nope"])
            #expect(missing.status == 404 && missing.bodyText.contains("nginx"), "\(missing)")
            // One upstream connection carried them all.
            let connections = Set(nginx.accessLog().map(\.connection))
            #expect(connections.count == 1, "\(nginx.accessLog())")
        }
    }

    /// Bodies both ways against an upstream whose window is 16 KiB: uploads with and
    /// without a length arrive sha256-exact with no flow-control error; streams stay within
    /// its SETTINGS_MAX_CONCURRENT_STREAMS of 4 while 20 clients send at once.
    @Test(.timeLimit(.endToEnd(2))) func bodiesWithinTheUpstreamsLimits() async throws {
        try await withScenario { s in
            let upstream = try await s.http2Upstream(["--max-streams", "4", "--window", "16384"])
            let port = try await Self.apus(s, endpoint: upstream.endpoint)
            let upload = s.dir.file("up.bin")
            try Data((0..<5_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }).write(to: URL(fileURLWithPath: upload))
            let digest = try await sha256(ofFile: upload)
            for chunked in [false, true] {
                let posted = try await s.curl(["--data-binary", "@\(upload)", "http://127.0.0.1:\(port)/upload"]
                                              + (chunked ? ["-H", "Transfer-Encoding: chunked"] : []))
                let seen = try JSONSerialization.jsonObject(with: posted.body) as? [String: Any]
                #expect(posted.status == 200 && seen?["sha256"] as? String == digest && seen?["bytes"] as? Int == 5_000_000, "\(posted.bodyText)")
                #expect(seen?["te"] as? String == "trailers" && seen?["scheme"] as? String == "http", "\(posted.bodyText)")
            }
            let load = try await Tool.run("/usr/bin/h2load", ["--h1", "-n", "1000", "-c", "20", "http://127.0.0.1:\(port)/big/65536"], in: s.dir)
            #expect(load.stdout.contains("1000 succeeded, 0 failed"), "\(load.stdout)")
            let stats = try await upstream.stats(in: s.dir)
            #expect(stats["flow_errors"] == 0 && (stats["max_active"] ?? 99) <= 4, "\(stats)")
            // Twenty clients and four streams a connection: more connections were opened.
            #expect((stats["connections"] ?? 0) >= 5, "\(stats)")
        }
    }

    /// An upstream that sends GOAWAY after every 50th request on a connection: the streams
    /// above its last stream id go again on another connection, and none of 2,000 requests
    /// (20 at a time) fails.
    @Test(.timeLimit(.endToEnd(2))) func goAwayRetriesTheStreamsAboveTheLast() async throws {
        try await withScenario { s in
            let upstream = try await s.http2Upstream(["--goaway-after", "50"])
            let port = try await Self.apus(s, endpoint: upstream.endpoint)
            let load = try await Tool.run("/usr/bin/h2load", ["--h1", "-n", "2000", "-c", "20", "http://127.0.0.1:\(port)/x"], in: s.dir,
                                          timeout: .seconds(60))
            #expect(load.stdout.contains("2000 succeeded, 0 failed"), "\(load.stdout)")
            let stats = try await upstream.stats(in: s.dir)
            #expect((stats["goaways"] ?? 0) >= 30, "\(stats)")
            // Some streams were above a GOAWAY's last stream id and went twice.
            #expect((stats["requests"] ?? 0) > 2000, "\(stats)")
        }
    }

    /// A stream the upstream refuses (REFUSED_STREAM) goes again, a GET or a bodiless
    /// POST alike; a POST whose body already went cannot and gets 502.
    @Test(.timeLimit(.endToEnd(2))) func refusedStreamsGoAgain() async throws {
        try await withScenario { s in
            let upstream = try await s.http2Upstream()
            let port = try await Self.apus(s, endpoint: upstream.endpoint)
            let get = try await s.curl(["-H", "x-id: a", "http://127.0.0.1:\(port)/refuse-once"])
            #expect(get.status == 200 && get.bodyText.contains("\"GET\""), "\(get)")
            let post = try await s.curl(["-X", "POST", "-H", "x-id: b", "http://127.0.0.1:\(port)/refuse-once"])
            #expect(post.status == 200 && post.bodyText.contains("\"POST\""), "\(post)")
            let withBody = try await s.curl(["-d", "payload", "-H", "x-id: c", "http://127.0.0.1:\(port)/refuse-once"])
            #expect(withBody.status == 502, "\(withBody)")
            let stats = try await upstream.stats(in: s.dir)
            #expect(stats["refused"] == 3, "\(stats)")
        }
    }

    /// Endings an upstream may choose: a trailers-only answer reaches an HTTP/2 client as
    /// one HEADERS frame that ends the stream (what gRPC clients other than grpcio
    /// require); an answer given before the upload ended, followed by RST_STREAM(NO_ERROR),
    /// stands; a connection closed right after its last answer leaves that answer whole; a
    /// WebSocket upgrade, which an HTTP/2 upstream cannot take here, is a 502 and nothing
    /// else; a `grpc-timeout` on a request that is not gRPC shortens nothing.
    @Test(.timeLimit(.endToEnd(2))) func endingsTheUpstreamChooses() async throws {
        try await withScenario { s in
            let upstream = try await s.http2Upstream()
            let closing = try await s.http2Upstream(["--close-after", "1"])
            let (h2c, plain) = (try s.port(), try s.port())
            _ = try await s.apus("""
            workers: 1
            listeners:
              - { name: h2c, listen: 127.0.0.1:\(h2c), h2c: true }
              - { name: plain, listen: 127.0.0.1:\(plain) }
            routes:
              - paths:
                  - { path: /big/, type: Prefix, upstream: closing }
                  - { path: /, type: Prefix, upstream: h2 }
            upstreams:
              h2: { protocol: h2, endpoints: [\(upstream.endpoint)] }
              closing: { protocol: h2, endpoints: [\(closing.endpoint)] }
            """, waitFor: [h2c, plain])
            let trailersOnly = try await Tool.run("/usr/bin/nghttp", ["-v", "http://127.0.0.1:\(h2c)/trailers-only"], in: s.dir)
            let frames = trailersOnly.stdout
            #expect(frames.contains("grpc-status: 5") && frames.contains("END_STREAM | END_HEADERS"), "\(frames)")
            #expect(!frames.contains("recv DATA frame"), "\(frames)")
            let upload = s.dir.file("up.bin")
            try Data(count: 5_000_000).write(to: URL(fileURLWithPath: upload))
            let early = try await s.curl(["--data-binary", "@\(upload)", "http://127.0.0.1:\(plain)/early"])
            #expect(early.status == 200 && early.bodyText == "early", "\(early)")
            for _ in 0..<5 {
                let whole = try await s.curl(["http://127.0.0.1:\(plain)/big/1000000"])
                #expect(whole.status == 200 && whole.body.count == 999_936, "\(whole)")
            }
            let upgrade = try await s.curl(["-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "http://127.0.0.1:\(plain)/ws"])
            #expect(upgrade.status == 502, "\(upgrade)")
            let slow = try await s.curl(["-H", "grpc-timeout: 1m", "http://127.0.0.1:\(plain)/slow/300"])
            #expect(slow.status == 200, "\(slow)")
        }
    }

    /// Over TLS an h2 upstream must choose h2 by ALPN (Apus offers nothing else): an HTTPS
    /// upstream that speaks only HTTP/1.1 fails the handshake as a connect does (502, and
    /// the reason logged).
    @Test(.timeLimit(.endToEnd(2))) func tlsWithoutALPNh2IsRefused() async throws {
        try await withScenario { s in
            let certificates = try await TLSTestCertificates.shared()
            let nginx = try await s.nginx(tls: certificates.app)
            let port = try s.port()
            let apus = try await s.apus("""
            workers: 1
            listeners: [{ name: plain, listen: 127.0.0.1:\(port) }]
            routes:
              - paths: [{ path: /, type: Prefix, upstream: h2 }]
            upstreams:
              h2: { protocol: h2, endpoints: [127.0.0.1:\(nginx.port)], tls: { ca: \(certificates.ca), server_name: localhost } }
            """, waitFor: [port])
            let answer = try await s.curl(["http://127.0.0.1:\(port)/"])
            #expect(answer.status == 502, "\(answer)")
            #expect(await eventually(timeout: .seconds(5)) { apus.stderr.contains("upstream TLS handshake failed") }, "\(apus.stderrTail())")
        }
    }
}
