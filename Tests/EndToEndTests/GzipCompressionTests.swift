import Foundation
import Testing

/// Proxied responses are gzip-compressed for clients that accept it: real decompressing clients
/// (curl --compressed, Python's gzip and zlib) get byte-identical bodies, small and big, whatever the
/// upstream's framing, with the compressed-response headers; keep-alive goes on afterwards.
@Suite struct GzipCompressionTests {
    static func start(_ s: Scenario) async throws -> (port: Int, backend: PythonBackend) {
        let backend = try await s.backend("gz")
        let port = try s.port()
        _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
        routes:
          - paths:
              - { path: /, type: Prefix, upstream: app }
          - host: plain.test
            paths:
              - { path: /, type: Prefix, upstream: app, compression: { gzip: false } }
        upstreams:
          app: { endpoints: [\(backend.endpoint)], read_timeout: 60s }
        """), waitFor: [port])
        return (port, backend)
    }

    /// The sha256 the backend's `/gz` body of `n` bytes of `kind` has.
    static func expectedSHA(_ backend: PythonBackend, n: Int, kind: String) async throws -> String {
        try await HTTPClient.request(port: backend.port, path: "/gz-sha?n=\(n)&kind=\(kind)").bodyText
    }

    /// curl --compressed decodes small, multi-MiB Content-Length, chunked and until-close responses to the exact bytes.
    @Test(.timeLimit(.endToEnd(3))) func curlGetsIdenticalBodies() async throws {
        try await withScenario(slots: 2) { s in
            let (port, backend) = try await Self.start(s)
            let small = try await s.curl(["--compressed", "http://127.0.0.1:\(port)/gz?n=2000"])
            #expect(small.status == 200)
            #expect(small.header("Content-Encoding") == "gzip")
            #expect(Array(small.body) == BackendScript.pattern(2000))
            let cases: [(query: String, n: Int, kind: String)] = [
                ("n=8388608&kind=noise", 8 << 20, "noise"),
                ("n=6291456&kind=pattern&frame=chunked", 6 << 20, "pattern"),
                ("n=3000000&kind=noise&frame=close", 3_000_000, "noise"),
                ("n=3000000&kind=pattern&frame=chunked&type=application/json", 3_000_000, "pattern"),
            ]
            for c in cases {
                let file = s.dir.file("download.bin")
                let result = try await Curl.run(["--compressed", "http://127.0.0.1:\(port)/gz?\(c.query)"], in: s.dir, outputPath: file)
                #expect(result.status == 200 && result.exitCode == 0, "\(c.query): \(result)")
                #expect(result.header("Content-Encoding") == "gzip", "\(c.query)")
                #expect(result.header("Transfer-Encoding") == "chunked", "\(c.query)")
                #expect(result.header("Content-Length") == nil, "\(c.query)")
                #expect(result.header("Vary") == "Accept-Encoding", "\(c.query)")
                #expect(try await sha256(ofFile: file) == (try await Self.expectedSHA(backend, n: c.n, kind: c.kind)), "\(c.query)")
                try FileManager.default.removeItem(atPath: file)
            }
        }
    }

    /// Python's gzip.decompress and a streaming zlib.decompressobj agree on every body, which is the
    /// upstream's; the compressible ones shrink on the wire; all go over one keep-alive connection.
    @Test(.timeLimit(.endToEnd(3))) func pythonDecompressesOnOneConnection() async throws {
        try await withScenario(slots: 2) { s in
            let (port, backend) = try await Self.start(s)
            let cases: [(query: String, n: Int, kind: String)] = [
                ("n=1500", 1500, "pattern"),
                ("n=5242880&frame=chunked", 5 << 20, "pattern"),
                ("n=5242880&kind=noise", 5 << 20, "noise"),
                ("n=100000&type=text/html;%20charset=utf-8", 100_000, "pattern"),
                ("n=1048576&kind=noise&frame=close", 1 << 20, "noise"),
            ]
            let fetched = try await GzipPeer.fetch(s, port: port, cases.map { "GET /gz?\($0.query)" })
            #expect(fetched.count == cases.count)
            for (c, f) in zip(cases, fetched) {
                #expect(f.status == 200, "\(c.query)")
                #expect(f.header("Content-Encoding") == "gzip", "\(c.query)")
                #expect(f.decodersAgree, "\(c.query): gzip and zlib decoders disagree or the stream is incomplete")
                #expect(f.length == c.n, "\(c.query)")
                #expect(f.sha256 == (try await Self.expectedSHA(backend, n: c.n, kind: c.kind)), "\(c.query)")
                if c.kind == "pattern" { #expect(f.rawLength * 4 < f.length, "\(c.query): \(f.rawLength) bytes on the wire") }
            }
            #expect(Set(fetched.prefix(4).map(\.localPort)).count == 1, "requests before the until-close one share a connection")
        }
    }

    /// Compressed responses add Content-Encoding and Accept-Encoding to Vary (appended, never twice),
    /// weaken a strong ETag, drop Content-Length and Accept-Ranges, and keep the other headers.
    @Test(.timeLimit(.endToEnd(3))) func compressedResponseHeaders() async throws {
        try await withScenario { s in
            let (port, _) = try await Self.start(s)
            let url = "http://127.0.0.1:\(port)/gz?n=5000&h=ETag:%22v1%22&h=Vary:Origin&h=Accept-Ranges:bytes&h=X-Custom:kept"
            let r = try await s.curl(["--compressed", url])
            #expect(r.status == 200)
            #expect(r.header("Content-Encoding") == "gzip")
            #expect(r.header("ETag") == "W/\"v1\"")
            #expect(r.headers.filter { $0.name.lowercased() == "vary" }.map(\.value) == ["Origin, Accept-Encoding"])
            #expect(r.header("Accept-Ranges") == nil)
            #expect(r.header("Content-Length") == nil)
            #expect(r.header("X-Custom") == "kept")
            #expect(Array(r.body) == BackendScript.pattern(5000))

            let already = try await s.curl(["--compressed", "http://127.0.0.1:\(port)/gz?n=5000&h=Vary:accept-encoding&h=ETag:W/%22w%22"])
            #expect(already.headers.filter { $0.name.lowercased() == "vary" }.map(\.value) == ["accept-encoding"])
            #expect(already.header("ETag") == "W/\"w\"")
            #expect(already.header("Content-Encoding") == "gzip")

            for type in ["application/problem%2Bjson", "TEXT/HTML;%20charset=UTF-8", "image/svg%2Bxml", "application/javascript"] {
                let typed = try await s.curl(["--compressed", "http://127.0.0.1:\(port)/gz?n=5000&type=\(type)"])
                #expect(typed.header("Content-Encoding") == "gzip", "\(type)")
                #expect(Array(typed.body) == BackendScript.pattern(5000), "\(type)")
            }
        }
    }

    /// A compressed response is framed exactly: on the same connection a plain request and another
    /// compressed one follow and are answered.
    @Test(.timeLimit(.endToEnd(3))) func keepAliveAfterCompressedResponse() async throws {
        try await withScenario { s in
            let (port, _) = try await Self.start(s)
            let connection = try await RawConnection.connect(port: port)
            for round in 0..<2 {
                try await connection.send("GET /gz?n=70000&frame=chunked HTTP/1.1\r\nHost: gz.test\r\nAccept-Encoding: gzip\r\n\r\n")
                let compressed = try #require(try await connection.readResponse(timeout: .seconds(5)), "round \(round)")
                #expect(compressed.status == 200)
                #expect(compressed.header("Content-Encoding") == "gzip")
                #expect(compressed.header("Connection") == nil)
                #expect(!compressed.body.isEmpty && compressed.body.count < 70000)
                try await connection.send("GET /echo?after=\(round) HTTP/1.1\r\nHost: gz.test\r\n\r\n")
                let plain = try #require(try await connection.readResponse(timeout: .seconds(5)), "round \(round)")
                #expect(plain.status == 200)
                #expect(try EchoReply(plain.body).path == "/echo?after=\(round)")
            }
            #expect(!connection.peerClosed)
        }
    }

    /// While the upstream pauses mid-body, what it sent so far reaches the client decompressible
    /// (apus flushes zlib when the upstream goes quiet); the rest follows when it resumes.
    @Test(.timeLimit(.endToEnd(3))) func streamedResponseIsFlushedWhileUpstreamPauses() async throws {
        try await withScenario { s in
            let (port, backend) = try await Self.start(s)
            let n = 200_000
            let streamed = try await GzipPeer.stream(s, port: port, path: "/gz?n=\(n)&frame=chunked&pause=2500", mark: n / 2)
            #expect(streamed.statusLine == "HTTP/1.1 200 Status")
            #expect(streamed.head.contains("Content-Encoding: gzip"))
            #expect(streamed.markSeconds >= 0 && streamed.markSeconds < 1.5,
                    "the first half decompressed only after \(streamed.markSeconds) s: the compressor held it back")
            #expect(streamed.complete)
            #expect(streamed.length == n)
            #expect(streamed.sha256 == (try await Self.expectedSHA(backend, n: n, kind: "pattern")))
        }
    }
}
