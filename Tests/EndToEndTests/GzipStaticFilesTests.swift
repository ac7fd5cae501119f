import Foundation
import Testing

/// Static files of a listed type are read through the compressor (not sendfile) for clients that
/// accept gzip; range requests, HEAD, small and binary files, and a path with gzip off are not.
@Suite struct GzipStaticFilesTests {
    static let script = Data((0..<60_000).map { i in UInt8(ascii: "a") + UInt8(i * 31 % 26) } + Array("\nconsole.log(1)\n".utf8))

    static func start(_ s: Scenario) async throws -> Int {
        try s.dir.write("www/app.js", script)
        try s.dir.write("www/big.txt", Data(BackendScript.pattern(6 << 20)))
        try s.dir.write("www/tiny.css", String(repeating: "a{}", count: 60))
        try s.dir.write("www/logo.png", Data(BackendScript.pattern(20_000)))
        try s.dir.write("www/nogz/app.js", script)
        let port = try s.port()
        _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
        routes:
          - paths:
              - { path: /, type: Prefix, static: { root: www } }
              - { path: /nogz, type: Prefix, static: { root: www }, compression: { gzip: false } }
        """), waitFor: [port])
        return port
    }

    /// curl --compressed and Python get the files' exact bytes; the head says gzip, chunked, Vary,
    /// a weak ETag, and no Content-Length or Accept-Ranges.
    @Test(.timeLimit(.endToEnd(3))) func compressedFilesAreIdentical() async throws {
        try await withScenario(slots: 2) { s in
            let port = try await Self.start(s)
            for (path, content) in [("/app.js", Self.script), ("/big.txt", Data(BackendScript.pattern(6 << 20)))] {
                let file = s.dir.file("download.bin")
                let r = try await Curl.run(["--compressed", "http://127.0.0.1:\(port)\(path)"], in: s.dir, outputPath: file)
                #expect(r.status == 200 && r.exitCode == 0, "\(path): \(r)")
                #expect(r.header("Content-Encoding") == "gzip", "\(path)")
                #expect(r.header("Transfer-Encoding") == "chunked", "\(path)")
                #expect(r.header("Vary") == "Accept-Encoding", "\(path)")
                #expect(r.header("ETag")?.hasPrefix("W/\"") == true, "\(path): \(r.header("ETag") ?? "no ETag")")
                #expect(r.header("Content-Length") == nil && r.header("Accept-Ranges") == nil, "\(path)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == content, "\(path): body differs")
                try FileManager.default.removeItem(atPath: file)
            }
            let fetched = try await GzipPeer.fetch(s, port: port, ["GET /big.txt", "GET /app.js", "GET /tiny.css"])
            #expect(fetched.map(\.status) == [200, 200, 200])
            #expect(fetched[0].decodersAgree && fetched[0].length == 6 << 20 && fetched[0].rawLength < (6 << 20) / 4)
            #expect(fetched[0].sha256 == (try await sha256(ofFile: s.dir.file("www/big.txt"))))
            #expect(fetched[1].decodersAgree && fetched[1].length == Self.script.count)
            #expect(fetched[2].header("Content-Encoding") == nil && fetched[2].length == 180, "a file under min_length goes as is")
            #expect(Set(fetched.map(\.localPort)).count == 1, "one keep-alive connection")
        }
    }

    /// Range and HEAD requests, binary and small files and the gzip-off path are served as stored;
    /// revalidating with the weak ETag gives a 304 that keeps it.
    @Test(.timeLimit(.endToEnd(3))) func uncompressedCasesAndRevalidation() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let base = "http://127.0.0.1:\(port)"
            let gzip = ["-H", "Accept-Encoding: gzip"]
            let range = try await s.curl(gzip + ["-r", "100-199", "\(base)/app.js"])
            #expect(range.status == 206)
            #expect(range.header("Content-Encoding") == nil)
            #expect(range.body == Self.script[100..<200])
            let head = try await s.curl(gzip + ["-I", "\(base)/app.js"])
            #expect(head.status == 200 && head.header("Content-Encoding") == nil)
            #expect(head.header("Content-Length") == String(Self.script.count))
            for path in ["/logo.png", "/tiny.css", "/nogz/app.js"] {
                let r = try await s.curl(gzip + ["\(base)\(path)"])
                #expect(r.status == 200 && r.header("Content-Encoding") == nil, "\(path)")
                #expect(r.header("Content-Length") == String(r.body.count), "\(path)")
            }
            let compressed = try await s.curl(gzip + ["\(base)/app.js"])
            let weak = try #require(compressed.header("ETag"))
            #expect(weak.hasPrefix("W/"))
            let strong = String(weak.dropFirst(2))
            for validator in [weak, strong] {
                let revalidated = try await s.curl(gzip + ["-H", "If-None-Match: \(validator)", "\(base)/app.js"])
                #expect(revalidated.status == 304, "\(validator)")
                #expect(revalidated.header("ETag") == weak)
                #expect(revalidated.header("Vary") == "Accept-Encoding")
                #expect(revalidated.body.isEmpty)
            }
            let plain = try await s.curl(["\(base)/app.js"])
            #expect(plain.header("ETag") == strong, "identity responses keep the strong ETag")
            #expect(plain.body == Self.script)
        }
    }
}
