import Foundation
import Testing

/// 1 GiB bodies stream through in both directions, byte-exact, while apus's RSS stays under 100 MiB
/// (it must never buffer a whole body). These tests take the whole machine (all scenario slots).
@Suite(.serialized) struct BigBodyTests {
    static let size = 1 << 30
    static let rssLimitKiB = 100 * 1024

    static func start(_ s: Scenario) async throws -> (apus: ApusProcess, port: Int, backend: PythonBackend) {
        let backend = try await s.backend("big")
        let port = try s.port()
        let apus = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint],
                                                        upstreamOptions: "read_timeout: 60s",
                                                        extra: "limits: { max_body_size: 0 }"), waitFor: [port])
        return (apus, port, backend)
    }

    /// A 1 GiB chunked upload (curl streaming from a generator) arrives complete with the same sha256.
    @Test(.timeLimit(.endToEnd(5))) func uploadChunked() async throws {
        try await withScenario(slots: ScenarioGate.capacity) { s in
            let (apus, port, _) = try await Self.start(s)
            let sampler = ResidentMemorySampler(apus)
            let shaFile = s.dir.file("upload.sha")
            let result = try await Curl.run(["-T", "-", "-X", "POST", "http://127.0.0.1:\(port)/echo"], in: s.dir,
                                            stdinCommand: "python3 \(s.dir.file("backend.py")) --generate \(Self.size) \(shaFile)",
                                            timeout: .seconds(150))
            let memory = sampler.stop()
            #expect(result.status == 200, "\(result)")
            let echo = try EchoReply(Array(result.body))
            #expect(echo.header("Transfer-Encoding")?.lowercased() == "chunked" || echo.header("Content-Length") == String(Self.size))
            #expect(echo.bodyLength == Self.size)
            #expect(echo.bodySHA256 == s.dir.read("upload.sha"))
            expectResidentMemory(memory.peakKiB < Self.rssLimitKiB, "apus peak RSS \(memory.peakKiB) KiB over \(memory.samples) samples")
        }
    }

    /// A 1 GiB Content-Length upload (curl -T file) arrives complete with the same sha256.
    @Test(.timeLimit(.endToEnd(5))) func uploadContentLength() async throws {
        try await withScenario(slots: ScenarioGate.capacity) { s in
            let (apus, port, _) = try await Self.start(s)
            let file = s.dir.file("upload.bin")
            let generator = try ChildProcess(executable: "/bin/sh",
                                             arguments: ["-c", "python3 \(s.dir.file("backend.py")) --generate \(Self.size) \(s.dir.file("upload.sha")) > \(file)"],
                                             stdoutPath: s.dir.file("gen.out"), stderrPath: s.dir.file("gen.err"), ownProcessGroup: true)
            #expect(await generator.waitForExit(timeout: .seconds(60)) == .code(0))
            let sampler = ResidentMemorySampler(apus)
            let result = try await Curl.run(["-T", file, "-X", "POST", "http://127.0.0.1:\(port)/echo"], in: s.dir, timeout: .seconds(150))
            let memory = sampler.stop()
            #expect(result.status == 200, "\(result)")
            let echo = try EchoReply(Array(result.body))
            #expect(echo.header("Content-Length") == String(Self.size))
            #expect(echo.bodyLength == Self.size)
            #expect(echo.bodySHA256 == s.dir.read("upload.sha"))
            expectResidentMemory(memory.peakKiB < Self.rssLimitKiB, "apus peak RSS \(memory.peakKiB) KiB over \(memory.samples) samples")
        }
    }

    /// A 1 GiB Content-Length download and a 256 MiB chunked download arrive byte-exact.
    @Test(.timeLimit(.endToEnd(5))) func download() async throws {
        try await withScenario(slots: ScenarioGate.capacity) { s in
            let (apus, port, backend) = try await Self.start(s)
            let cases: [(path: String, size: Int)] = [("/bytes/\(Self.size)", Self.size), ("/chunked/\(Self.size / 4)", Self.size / 4)]
            for c in cases {
                let file = s.dir.file("download.bin")
                let sampler = ResidentMemorySampler(apus)
                let result = try await Curl.run(["http://127.0.0.1:\(port)\(c.path)"], in: s.dir, outputPath: file, timeout: .seconds(150))
                let memory = sampler.stop()
                #expect(result.status == 200 && result.exitCode == 0, "\(c.path): \(result)")
                let attributes = try FileManager.default.attributesOfItem(atPath: file)
                #expect((attributes[.size] as? Int) == c.size, "\(c.path)")
                #expect(try await sha256(ofFile: file) == (try await backend.patternSHA256(c.size)), "\(c.path)")
                expectResidentMemory(memory.peakKiB < Self.rssLimitKiB, "\(c.path): apus peak RSS \(memory.peakKiB) KiB over \(memory.samples) samples")
                try FileManager.default.removeItem(atPath: file)
            }
        }
    }

    /// A 512 MiB static file downloads byte-exact (and a range from its middle is right) with RSS under the limit.
    @Test(.timeLimit(.endToEnd(5))) func staticFileDownload() async throws {
        try await withScenario(slots: ScenarioGate.capacity) { s in
            let size = 512 << 20
            try FileManager.default.createDirectory(atPath: s.dir.file("www"), withIntermediateDirectories: true)
            try s.dir.write("backend.py", BackendScript.source)
            let generator = try ChildProcess(executable: "/bin/sh",
                                             arguments: ["-c", "python3 \(s.dir.file("backend.py")) --generate \(size) \(s.dir.file("static.sha")) > \(s.dir.file("www/big.bin"))"],
                                             stdoutPath: s.dir.file("gen.out"), stderrPath: s.dir.file("gen.err"), ownProcessGroup: true)
            #expect(await generator.waitForExit(timeout: .seconds(60)) == .code(0))
            let port = try s.port()
            let apus = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - paths: [ { path: /, type: Prefix, static: { root: www } } ]
            """), waitFor: [port])
            let sampler = ResidentMemorySampler(apus)
            let file = s.dir.file("download.bin")
            let result = try await Curl.run(["http://127.0.0.1:\(port)/big.bin"], in: s.dir, outputPath: file, timeout: .seconds(150))
            let memory = sampler.stop()
            #expect(result.status == 200 && result.exitCode == 0, "\(result)")
            #expect(try await sha256(ofFile: file) == s.dir.read("static.sha"))
            expectResidentMemory(memory.peakKiB < Self.rssLimitKiB, "apus peak RSS \(memory.peakKiB) KiB over \(memory.samples) samples")
            let offset = 300 << 20
            let range = try await Curl.run(["-r", "\(offset)-\(offset + 99_999)", "http://127.0.0.1:\(port)/big.bin"], in: s.dir)
            #expect(range.status == 206)
            #expect(Array(range.body) == Array(BackendScript.pattern(offset + 100_000)[offset...]))
        }
    }
}
