import Foundation
import Testing

/// 1 GiB up and 1 GiB down on one HTTP/2 connection at once, byte-exact, while small
/// streams on the same connection are answered; apus's RSS stays under 100 MiB (each
/// stream's window bounds what it holds). Takes the whole machine, as BigBodyTests does.
@Suite(.serialized) struct HTTP2BigBodyTests {
    @Test(.timeLimit(.endToEnd(6))) func gibibyteBothWaysOnOneConnection() async throws {
        try await withScenario(slots: ScenarioGate.capacity) { s in
            let certificates = try await TLSTestCertificates.shared()
            let backend = try await s.backend("big")
            let port = try s.port()
            let apus = try await s.apus("""
            workers: 1
            listeners:
              - name: https
                listen: 127.0.0.1:\(port)
                tls: { certificates: [{ cert: \(certificates.app.cert), key: \(certificates.app.key) }] }
            routes:
              - paths: [{ path: /, type: Prefix, upstream: app }]
            upstreams:
              app: { endpoints: [\(backend.endpoint)], read_timeout: 60s }
            limits: { max_body_size: 0 }
            """, waitFor: [port])
            let upload = s.dir.file("upload.bin")
            let generator = try ChildProcess(executable: "/bin/sh",
                                             arguments: ["-c", "python3 \(s.dir.file("backend.py")) --generate \(BigBodyTests.size) \(s.dir.file("upload.sha")) > \(upload)"],
                                             stdoutPath: s.dir.file("gen.out"), stderrPath: s.dir.file("gen.err"), ownProcessGroup: true)
            #expect(await generator.waitForExit(timeout: .seconds(60)) == .code(0))
            // Over TLS: curl 7.88 fails every stream after the first on an h2c prior-knowledge
            // connection ("Error in the HTTP2 framing layer", before sending anything).
            let base = "https://localhost:\(port)"
            let report = "%{url_effective} %{http_code} %{time_total} %{num_connects}\\n"
            var arguments = ["-sS", "-Z", "--cacert", certificates.ca, "--http2", "-w", report, "-o", s.dir.file("down.bin"), "\(base)/bytes/\(BigBodyTests.size)",
                             "--next", "--cacert", certificates.ca, "--http2", "-w", report, "-T", upload, "-X", "POST", "-o", s.dir.file("up.json"), "\(base)/echo"]
            for index in 0..<5 {
                arguments += ["--next", "--cacert", certificates.ca, "--http2", "-w", report, "-o", s.dir.file("small\(index)"), "\(base)/delay/300"]
            }
            let sampler = ResidentMemorySampler(apus)
            let curl = try await Tool.run("/usr/bin/curl", arguments, in: s.dir, timeout: .seconds(300))
            let memory = sampler.stop()
            #expect(curl.succeeded, "\(curl.stderr)")
            let lines = curl.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(lines.count == 7 && lines.allSatisfy { $0.count == 4 && $0[1] == "200" }, "\(curl.stdout)")
            // One connection for all seven transfers.
            #expect(lines.reduce(0) { $0 + (Int($1.last ?? "") ?? 0) } == 1, "\(curl.stdout)")
            let slowest = lines.filter { $0.first?.hasSuffix("/delay/300") == true }.compactMap { Double($0[2]) }.max() ?? .infinity
            let big = lines.filter { $0.first?.hasSuffix("/delay/300") != true }.compactMap { Double($0[2]) }.min() ?? 0
            #expect(slowest < 3 && slowest < big, "small streams waited for the big ones: \(curl.stdout)")
            let echo = try EchoReply(Array(s.dir.read("up.json").utf8))
            #expect(echo.bodyLength == BigBodyTests.size && echo.bodySHA256 == s.dir.read("upload.sha"))
            #expect(try await sha256(ofFile: s.dir.file("down.bin")) == (try await backend.patternSHA256(BigBodyTests.size)))
            print("HTTP/2, 1 GiB up and down on one connection: apus peak RSS \(memory.peakKiB) KiB; \(curl.stdout)")
            expectResidentMemory(memory.peakKiB < BigBodyTests.rssLimitKiB, "apus peak RSS \(memory.peakKiB) KiB over \(memory.samples) samples")
        }
    }
}
