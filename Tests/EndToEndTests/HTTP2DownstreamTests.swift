import Foundation
import Testing

/// HTTP/2 to clients (RFC 9113): ALPN `h2` on HTTPS listeners, h2c with prior knowledge
/// where a plaintext listener allows it; each stream an exchange as over HTTP/1.1. Peers:
/// curl (`--http2`, `--http2-prior-knowledge`), nghttp and h2load.
@Suite struct HTTP2DownstreamTests {
    struct Setup {
        var apus: ApusProcess
        var https: Int
        var h2c: Int
        var plain: Int
        var admin: Int
        var certificates: TLSTestCertificates
        var backend: PythonBackend
    }

    /// An HTTPS listener (HTTP/2 on by default), a plaintext one that takes h2c, and one
    /// that does not; a proxied route, a static one, a redirect and a fixed answer.
    static func start(_ s: Scenario, https extraHTTPS: String = "", extra: String = "") async throws -> Setup {
        let certificates = try await TLSTestCertificates.shared()
        let backend = try await s.backend("h2")
        let (https, h2c, plain, admin) = (try s.port(), try s.port(), try s.port(), try s.port())
        try s.dir.write("www/page.html", String(repeating: "<p>static page over HTTP/2</p>\n", count: 200))
        let yaml = """
        workers: 1
        admin: { listen: 127.0.0.1:\(admin) }
        listeners:
          - name: https
            listen: 127.0.0.1:\(https)
            tls:
              certificates:
                - { cert: \(certificates.app.cert), key: \(certificates.app.key) }
            \(extraHTTPS)
          - { name: h2c, listen: 127.0.0.1:\(h2c), h2c: true }
          - { name: plain, listen: 127.0.0.1:\(plain) }
        routes:
          - paths:
              - { path: /www, type: Prefix, static: { root: \(s.dir.path), index: page.html } }
              - { path: /old, type: Exact, redirect: { path: /new, status: 301 } }
              - { path: /fixed, type: Exact, respond: { status: 201, body: "fixed answer", content_type: text/plain } }
              - { path: /, type: Prefix, upstream: app }
        upstreams:
          app: { endpoints: [\(backend.endpoint)] }
        compression: { gzip: true }
        access_log: { format: json, path: access.log }
        \(extra)
        """
        let apus = try await s.apus(yaml, waitFor: [https, h2c, plain])
        return Setup(apus: apus, https: https, h2c: h2c, plain: plain, admin: admin, certificates: certificates, backend: backend)
    }

    static func statusLine(_ result: Curl.Result) -> String {
        result.headerBlocks.last?.split(separator: "\r\n").first.map(String.init) ?? ""
    }

    /// curl over TLS negotiates h2; the upstream gets the request as HTTP/1.1 with the same
    /// forwarding fields as an HTTP/1.1 client's; the access log says HTTP/2.0.
    @Test(.timeLimit(.endToEnd(3))) func alpnChoosesH2AndTheRequestIsProxied() async throws {
        try await withScenario { s in
            let setup = try await Self.start(s)
            let result = try await s.curl(["--http2", "--cacert", setup.certificates.ca, "-H", "X-Test: one",
                                           "-H", "Cookie: a=1", "-H", "Cookie: b=2", "https://localhost:\(setup.https)/echo?x=1"])
            #expect(result.exitCode == 0, "\(result)")
            #expect(Self.statusLine(result).hasPrefix("HTTP/2 200"), "\(result.headerBlocks)")
            let echo = try EchoReply(Array(result.body))
            #expect(echo.path == "/echo?x=1")
            #expect(echo.header("Host") == "localhost:\(setup.https)")
            #expect(echo.header("X-Forwarded-Proto") == "https")
            #expect(echo.header("X-Test") == "one")
            // Cookie crumbs are joined into one field (RFC 9113 §8.2.3).
            #expect(echo.headerValues("Cookie") == ["a=1; b=2"], "\(echo.headers)")
            // Nothing of the translation reaches the upstream.
            #expect(echo.header("Connection") != "close" || echo.headerValues("Connection").count <= 1)
            var logged = ""
            let found = await eventually(timeout: .seconds(3)) {
                logged = s.dir.read("access.log")
                return logged.contains("\"protocol\":\"HTTP/2.0\"")
            }
            #expect(found, "access log: \(logged)")
        }
    }

    /// h2c with prior knowledge where the listener allows it; elsewhere the preface is
    /// refused and HTTP/1.1 still works.
    @Test(.timeLimit(.endToEnd(3))) func h2cOnlyWhereEnabled() async throws {
        try await withScenario { s in
            let setup = try await Self.start(s)
            let h2c = try await s.curl(["--http2-prior-knowledge", "http://127.0.0.1:\(setup.h2c)/echo"])
            #expect(h2c.exitCode == 0 && Self.statusLine(h2c).hasPrefix("HTTP/2 200"), "\(h2c) \(h2c.headerBlocks)")
            #expect(try EchoReply(Array(h2c.body)).header("X-Forwarded-Proto") == "http")
            let refused = try await s.curl(["--http2-prior-knowledge", "http://127.0.0.1:\(setup.plain)/echo"])
            #expect(refused.exitCode != 0 || !Self.statusLine(refused).hasPrefix("HTTP/2"), "\(refused)")
            let http11 = try await s.curl(["http://127.0.0.1:\(setup.plain)/echo"])
            #expect(http11.status == 200)
            // A preface that comes in two pieces (the first a complete, invalid HTTP/1.1 head).
            let split = try await Tool.run("/usr/bin/env", ["python3", "-c", """
            import socket, time
            from hyperframe.frame import HeadersFrame, SettingsFrame
            from hpack import Encoder
            s = socket.create_connection(("127.0.0.1", \(setup.h2c))); s.settimeout(5)
            s.sendall(b"PRI * HTTP/2.0\\r\\n\\r\\n")
            time.sleep(0.3)
            block = Encoder().encode([(":method", "GET"), (":scheme", "http"), (":path", "/echo"), (":authority", "split.test")])
            s.sendall(b"SM\\r\\n\\r\\n" + SettingsFrame(0).serialize() + HeadersFrame(1, block, flags=["END_HEADERS", "END_STREAM"]).serialize())
            data = b""
            while b"split.test" not in data:
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            print("served" if b"split.test" in data else "not served: %r" % data[:200])
            """], in: s.dir)
            #expect(split.stdout.contains("served") && !split.stdout.contains("not"), "\(split)")
            // An HTTP/1.1 client on the h2c listener is served as before.
            let both = try await s.curl(["--http1.1", "http://127.0.0.1:\(setup.h2c)/echo"])
            #expect(both.status == 200 && Self.statusLine(both).hasPrefix("HTTP/1.1 200"))
        }
    }

    /// `http2: false` keeps an HTTPS listener on HTTP/1.1: ALPN never chooses h2.
    @Test(.timeLimit(.endToEnd(3))) func http2CanBeTurnedOff() async throws {
        try await withScenario { s in
            let setup = try await Self.start(s, https: "http2: false")
            let result = try await s.curl(["--http2", "--cacert", setup.certificates.ca, "https://localhost:\(setup.https)/echo"])
            #expect(result.status == 200 && Self.statusLine(result).hasPrefix("HTTP/1.1 200"), "\(result.headerBlocks)")
            let h2Only = try await TLSTerminationTests.handshake(s, port: setup.https, serverName: "localhost", options: ["-alpn", "h2"])
            #expect(h2Only.stdout.contains("No ALPN negotiated"), "\(h2Only.stdout.prefix(800))")
        }
    }

    /// Local answers go out on streams as they do on HTTP/1.1: a fixed response, a
    /// redirect, a static file (gzip-compressed when asked), a missing file's 404.
    @Test(.timeLimit(.endToEnd(3))) func localAnswersOnStreams() async throws {
        try await withScenario { s in
            let setup = try await Self.start(s)
            let base = ["--http2-prior-knowledge"]
            let fixed = try await s.curl(base + ["http://127.0.0.1:\(setup.h2c)/fixed"])
            #expect(fixed.status == 201 && fixed.bodyText == "fixed answer", "\(fixed)")
            let redirect = try await s.curl(base + ["http://127.0.0.1:\(setup.h2c)/old"])
            #expect(redirect.status == 301 && redirect.headers.contains { $0.name.lowercased() == "location" && $0.value.hasSuffix("/new") })
            let page = try await s.curl(base + ["--compressed", "http://127.0.0.1:\(setup.h2c)/www/page.html"])
            #expect(page.status == 200 && page.bodyText == String(repeating: "<p>static page over HTTP/2</p>\n", count: 200), "\(page)")
            #expect(page.headers.contains { $0.name.lowercased() == "content-encoding" && $0.value == "gzip" }, "\(page.headers)")
            // Answered before the body was read: the whole answer arrives, then a reset with
            // NO_ERROR stops the upload (RFC 9113 §8.1; nginx does the same). nghttp, as
            // curl 7.88 reports such a reset as a failure after printing the answer.
            for size in [10, 256 << 10, 8 << 20] {
                try s.dir.write("post.bin", String(repeating: "p", count: size))
                let posted = try await Tool.run("/usr/bin/nghttp", ["-v", "-d", s.dir.file("post.bin"), "http://127.0.0.1:\(setup.h2c)/fixed"], in: s.dir)
                #expect(posted.stdout.contains(":status: 201") && posted.stdout.contains("fixed answer"), "\(size): \(posted.stdout.suffix(1500))")
                let ended = posted.stdout.contains("recv RST_STREAM") ? posted.stdout.contains("error_code=NO_ERROR") : size <= 65_535
                #expect(ended, "\(size): \(posted.stdout.suffix(1500))")
            }
            let missing = try await s.curl(base + ["http://127.0.0.1:\(setup.h2c)/www/none.html"])
            #expect(missing.status == 404 && Self.statusLine(missing).hasPrefix("HTTP/2 404"), "\(missing)")
        }
    }

    /// Bodies both ways over one stream each, sha256 exact: an upload with a length, one
    /// without (its DATA frames go upstream as chunks), a large download, a chunked one.
    @Test(.timeLimit(.endToEnd(3))) func bodiesBothWaysAreExact() async throws {
        try await withScenario { s in
            let setup = try await Self.start(s)
            let url = "https://localhost:\(setup.https)"
            let tls = ["--http2", "--cacert", setup.certificates.ca]
            let size = 8 << 20
            let generator = "head -c \(size) /dev/urandom | tee \(s.dir.file("upload.bin"))"
            let streamed = try await Curl.run(tls + ["-T", "-", "-X", "POST", "\(url)/echo"], in: s.dir, stdinCommand: generator)
            let sent = try await sha256(ofFile: s.dir.file("upload.bin"))
            let echo = try EchoReply(Array(streamed.body))
            #expect(echo.bodyLength == size, "\(streamed)")
            #expect(echo.bodySHA256 == sent)
            let withLength = try await s.curl(tls + ["--data-binary", "@" + s.dir.file("upload.bin"), "\(url)/echo"])
            let echoed = try EchoReply(Array(withLength.body))
            #expect(echoed.bodyLength == size && echoed.bodySHA256 == sent)
            for kind in ["bytes", "chunked"] {
                let download = try await Curl.run(tls + ["\(url)/\(kind)/33554432"], in: s.dir, outputPath: s.dir.file("\(kind).bin"))
                #expect(download.status == 200 && Self.statusLine(download).hasPrefix("HTTP/2"))
                let expected = try await s.curl(["http://127.0.0.1:\(setup.plain)/bytes-sha/33554432"]).bodyText
                let got = try await sha256(ofFile: s.dir.file("\(kind).bin"))
                #expect(got == expected, "\(kind): \(download)")
            }
        }
    }

    /// Many streams on one connection run at once: 20 requests that each wait 500 ms
    /// upstream take about one wait, not twenty; h2load's 1,000 requests over 4
    /// connections all succeed.
    @Test(.timeLimit(.endToEnd(3))) func streamsRunConcurrentlyOnOneConnection() async throws {
        try await withScenario { s in
            let setup = try await Self.start(s)
            let start = ContinuousClock.now
            let many = try await Tool.run("/usr/bin/nghttp", ["-n", "-m", "20", "-v", "http://127.0.0.1:\(setup.h2c)/delay/500"], in: s.dir)
            let elapsed = ContinuousClock.now - start
            #expect(many.succeeded, "\(many.stderr)")
            #expect(many.stdout.components(separatedBy: ":status: 200").count - 1 == 20, "\(many.stdout.suffix(2000))")
            #expect(elapsed < .seconds(5), "20 streams of 500 ms took \(elapsed)")
            let load = try await Tool.run("/usr/bin/h2load", ["-n", "1000", "-c", "4", "-m", "32", "https://localhost:\(setup.https)/echo"], in: s.dir)
            #expect(load.stdout.contains("1000 succeeded, 0 failed, 0 errored"), "\(load.stdout.suffix(1200))")
            #expect(load.stdout.contains("status codes: 1000 2xx"), "\(load.stdout.suffix(1200))")
            let scrape = try await PrometheusScrape.scrape(adminPort: setup.admin, in: s.dir)
            #expect(scrape.sum("apus_http2_connections_total") >= 5)
            #expect(scrape.sum("apus_http2_streams_total") >= 1020)
        }
    }

    /// SIGTERM with streams in flight: each finishes with 200, the client gets a GOAWAY,
    /// and the process exits 0.
    @Test(.timeLimit(.endToEnd(3))) func drainLetsStreamsFinish() async throws {
        try await withScenario { s in
            let setup = try await Self.start(s)
            let client = Task {
                try await Tool.run("/usr/bin/nghttp", ["-n", "-v", "-m", "5", "http://127.0.0.1:\(setup.h2c)/delay/1500"], in: s.dir)
            }
            _ = try await eventually(timeout: .seconds(3)) { try await setup.backend.stats().paths.contains("/delay/1500") }
            setup.apus.send(SIGTERM)
            let output = try await client.value
            #expect(output.stdout.components(separatedBy: ":status: 200").count - 1 == 5, "\(output.stdout.suffix(3000))")
            #expect(output.stdout.contains("recv GOAWAY"), "\(output.stdout.suffix(1500))")
            let exit = await setup.apus.child.waitForExit(timeout: .seconds(5))
            #expect(exit == .code(0), "exit: \(String(describing: exit)); \(setup.apus.stderrTail())")
        }
    }

    /// A reload that removes an h2c listener sends its HTTP/2 connections a GOAWAY: the
    /// streams in flight finish with 200.
    @Test(.timeLimit(.endToEnd(3))) func aListenerChangeSendsGoAway() async throws {
        try await withScenario { s in
            let backend = try await s.backend("h2")
            let (h2c, plain) = (try s.port(), try s.port())
            func config(_ marker: String, h2cListener: Bool) -> String {
                """
                workers: 1
                listeners:
                  \(h2cListener ? "- { name: h2c, listen: 127.0.0.1:\(h2c), h2c: true }" : "")
                  - { name: plain, listen: 127.0.0.1:\(plain) }
                routes:
                  - paths:
                      - { path: /marker, type: Exact, respond: { status: 200, body: "\(marker)", content_type: text/plain } }
                      - { path: /, type: Prefix, upstream: app }
                upstreams:
                  app: { endpoints: [\(backend.endpoint)] }
                """
            }
            let apus = try await s.apus(config("first", h2cListener: true), waitFor: [h2c, plain])
            let client = Task {
                try await Tool.run("/usr/bin/nghttp", ["-n", "-v", "-m", "3", "http://127.0.0.1:\(h2c)/delay/1500"], in: s.dir)
            }
            _ = try await eventually(timeout: .seconds(3)) { try await backend.stats().paths.contains("/delay/1500") }
            #expect(try await apus.reload(config("second", h2cListener: false), untilMarker: "second", port: plain))
            let output = try await client.value
            #expect(output.stdout.components(separatedBy: ":status: 200").count - 1 == 3, "\(output.stdout.suffix(3000))")
            #expect(output.stdout.contains("recv GOAWAY"), "\(output.stdout.suffix(1500))")
        }
    }

    /// The `http2:` section's settings reach the client (nghttp prints the server's
    /// SETTINGS) and are enforced: a header list over its limit is answered 431, and an
    /// idle connection gets a GOAWAY after `idle_timeout`.
    @Test(.timeLimit(.endToEnd(3))) func settingsComeFromTheConfig() async throws {
        try await withScenario { s in
            let setup = try await Self.start(s, extra: """
            http2: { max_concurrent_streams: 7, initial_window_size: 1m, max_header_list_size: 2k, header_table_size: 1024, idle_timeout: 1s }
            """)
            let shown = try await Tool.run("/usr/bin/nghttp", ["-n", "-v", "http://127.0.0.1:\(setup.h2c)/echo"], in: s.dir)
            for setting in ["SETTINGS_MAX_CONCURRENT_STREAMS(0x03):7", "SETTINGS_INITIAL_WINDOW_SIZE(0x04):1048576",
                            "SETTINGS_MAX_HEADER_LIST_SIZE(0x06):2048", "SETTINGS_HEADER_TABLE_SIZE(0x01):1024"] {
                #expect(shown.stdout.contains(setting), "\(setting) not in \(shown.stdout.prefix(1500))")
            }
            let big = try await s.curl(["--http2-prior-knowledge", "-H", "X-Big: \(String(repeating: "b", count: 3000))",
                                        "http://127.0.0.1:\(setup.h2c)/echo"])
            #expect(big.status == 431, "\(big)")
            let start = ContinuousClock.now
            let idle = try await Tool.run("/usr/bin/env", ["python3", "-c", """
            import socket, sys, time
            s = socket.create_connection(("127.0.0.1", \(setup.h2c)))
            s.sendall(b"PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n" + bytes.fromhex("000000040000000000"))
            s.settimeout(5)
            seen = b""
            while True:
                data = s.recv(65536)
                if not data:
                    break
                seen += data
            kinds = []
            while len(seen) >= 9:
                length = int.from_bytes(seen[0:3], "big")
                kinds.append(seen[3])
                seen = seen[9 + length:]
            # A GOAWAY frame (type 7) arrived before the close.
            print("goaway" if 7 in kinds else "none %s" % kinds)
            """], in: s.dir)
            let waited = ContinuousClock.now - start
            #expect(idle.stdout.contains("goaway"), "\(idle)")
            #expect(waited >= .milliseconds(900) && waited < .seconds(4), "closed after \(waited)")
        }
    }

    /// Reloads under HTTP/2 load lose no stream: h2load keeps 64 streams in flight on 8
    /// connections while the config is reloaded five times.
    @Test(.timeLimit(.endToEnd(3))) func reloadsUnderLoadLoseNoStream() async throws {
        try await withScenario { s in
            let backend = try await s.backend("h2")
            let port = try s.port()
            func config(_ marker: String) -> String {
                """
                workers: 2
                listeners: [{ name: h2c, listen: 127.0.0.1:\(port), h2c: true }]
                routes:
                  - paths:
                      \(ApusConfig.markerPath(marker))
                      - { path: /, type: Prefix, upstream: app }
                upstreams:
                  app: { endpoints: [\(backend.endpoint)] }
                """
            }
            let apus = try await s.apus(config("m0"), waitFor: [port])
            let load = Task {
                try await Tool.run("/usr/bin/h2load", ["-D", "5", "-c", "8", "-m", "8", "http://127.0.0.1:\(port)/echo"], in: s.dir, timeout: .seconds(30))
            }
            try await Task.sleep(for: .milliseconds(500))
            for index in 1...5 {
                #expect(try await apus.reload(config("m\(index)"), untilMarker: "m\(index)", port: port), "reload \(index)")
                try await Task.sleep(for: .milliseconds(300))
            }
            let output = try await load.value
            let summary = output.stdout.split(separator: "\n").first { $0.hasPrefix("requests:") }.map(String.init) ?? output.stdout
            print("HTTP/2 under 5 reloads: \(summary)")
            #expect(summary.contains(" 0 failed, 0 errored, 0 timeout"), "\(summary)")
            #expect(!summary.contains("succeeded") || !summary.contains(" 0 succeeded"), "\(summary)")
        }
    }
}

/// WebSockets over HTTP/2 (RFC 8441): an extended CONNECT becomes the same tunnel as an
/// HTTP/1.1 Upgrade, to a real `websockets` server.
@Suite struct HTTP2WebSocketTests {
    @Test(.timeLimit(.endToEnd(3))) func extendedConnectOpensATunnel() async throws {
        try await withScenario { s in
            let certificates = try await TLSTestCertificates.shared()
            let server = try await s.webSocketServer()
            let (https, h2c) = (try s.port(), try s.port())
            _ = try await s.apus("""
            workers: 1
            listeners:
              - { name: https, listen: 127.0.0.1:\(https), tls: { certificates: [{ cert: \(certificates.app.cert), key: \(certificates.app.key) }] } }
              - { name: h2c, listen: 127.0.0.1:\(h2c), h2c: true }
            routes:
              - paths: [{ path: /, type: Prefix, upstream: ws }]
            upstreams:
              ws: { endpoints: [127.0.0.1:\(server.port)] }
            """, waitFor: [https, h2c])
            let script = try s.dir.write("h2ws.py", HTTP2WebSocketScript.source)
            for arguments in [[String(h2c), "-"], [String(https), certificates.ca]] {
                let output = try await Tool.run("/usr/bin/env", ["python3", script, "127.0.0.1"] + arguments, in: s.dir)
                let line = output.stdout.split(separator: "\n").last.map(String.init) ?? ""
                let result = try #require((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], "\(output)")
                #expect(result["enable_connect_protocol"] as? Int == 1, "\(result)")
                #expect(result["status"] as? Int == 200, "\(result)")
                #expect(result["messages"] as? [String] == ["first over h2", "second over h2"], "\(result)")
                #expect(result["close_code"] as? Int == 1000 && result["ended"] as? Bool == true, "\(result)")
            }
            // The server saw the two handshakes as RFC 6455 upgrades.
            #expect(server.opens.count == 2, "\(server.opens)")
        }
    }

    /// An upgrade the route refuses (403), or one an upstream answers with a page (502:
    /// a 2xx would tell the client its WebSocket is open), ends the stream; bytes the
    /// client sends on it after that never become a request.
    @Test(.timeLimit(.endToEnd(3))) func refusedUpgradesEndTheStream() async throws {
        try await withScenario { s in
            let backend = try await s.backend("plain")
            let h2c = try s.port()
            _ = try await s.apus("""
            workers: 1
            listeners: [{ name: h2c, listen: 127.0.0.1:\(h2c), h2c: true }]
            routes:
              - paths:
                  - { path: /denied, type: Exact, respond: { status: 403, body: "no", content_type: text/plain } }
                  - { path: /, type: Prefix, upstream: app }
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
            """, waitFor: [h2c])
            let script = try s.dir.write("h2ws.py", HTTP2WebSocketScript.source)
            for (path, status) in [("/denied", 403), ("/echo", 502)] {
                let output = try await Tool.run("/usr/bin/env", ["python3", script, "127.0.0.1", String(h2c), "-", path], in: s.dir)
                let line = output.stdout.split(separator: "\n").last.map(String.init) ?? ""
                let result = try #require((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], "\(output)")
                #expect(result["status"] as? Int == status, "\(path): \(result)")
                #expect(result["ended"] as? Bool == true, "\(path): \(result)")
                #expect(!((result["after"] as? [String]) ?? []).contains("HeadersFrame"), "\(path): \(result)")
            }
            #expect(try await !backend.stats().paths.contains("/smuggled"))
        }
    }

    /// A CONNECT without `:protocol`, or for another protocol, is refused.
    @Test(.timeLimit(.endToEnd(3))) func otherConnectsAreRefused() async throws {
        try await withScenario { s in
            let (_, h2c, _) = try await HTTP2AttackTests.startH2c(s)
            let output = try await Tool.run("/usr/bin/env", ["python3", "-c", """
            import socket
            from hyperframe.frame import HeadersFrame, SettingsFrame
            from hpack import Encoder, Decoder
            e = Encoder()
            s = socket.create_connection(("127.0.0.1", \(h2c))); s.settimeout(5)
            s.sendall(b"PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n" + SettingsFrame(0).serialize()
                      + HeadersFrame(1, e.encode([(":method", "CONNECT"), (":protocol", "smtp"), (":scheme", "http"), (":path", "/"),
                                                  (":authority", "x.test")]), flags=["END_HEADERS", "END_STREAM"]).serialize())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
                found = None
                rest, d = data, Decoder()
                while len(rest) >= 9:
                    n = int.from_bytes(rest[:3], "big")
                    if len(rest) < 9 + n: break
                    if rest[3] == 1 and int.from_bytes(rest[5:9], "big") == 1:
                        found = dict(d.decode(rest[9:9 + n]))[":status"]
                    rest = rest[9 + n:]
                if found:
                    print(found); break
            """], in: s.dir)
            #expect(output.stdout.contains("400"), "\(output)")
        }
    }
}
