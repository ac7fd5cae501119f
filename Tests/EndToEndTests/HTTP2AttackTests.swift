import Foundation
import Testing

/// Known HTTP/2 attacks, each sent by a hand-made frame sequence (`HTTP2AttackScript`)
/// while another client keeps being served: each ends with a clear outcome (a GOAWAY, a
/// closed connection, a refused or reset stream) and the process serves on.
@Suite struct HTTP2AttackTests {
    /// Apus with one h2c listener proxying to a Python backend.
    static func startH2c(_ s: Scenario) async throws -> (apus: ApusProcess, port: Int, backend: PythonBackend) {
        let backend = try await s.backend("h2")
        let port = try s.port()
        let yaml = ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint])
            .replacingOccurrences(of: "listen: 127.0.0.1:\(port) }", with: "listen: 127.0.0.1:\(port), h2c: true }")
        return (try await s.apus(yaml, waitFor: [port]), port, backend)
    }

    /// Runs one attack against an h2c listener; the answer of a well-behaved client sent
    /// during it and after it must be 200.
    static func attack(_ mode: String, _ count: Int? = nil) async throws -> [String: Any] {
        var outcome: [String: Any] = [:]
        try await withScenario { s in
            let (_, port, _) = try await Self.startH2c(s)
            let script = try s.dir.write("h2attack.py", HTTP2AttackScript.source)
            let bystander = Task {
                try await Tool.run("/usr/bin/nghttp", ["-n", "-v", "-m", "20", "http://127.0.0.1:\(port)/delay/100"], in: s.dir)
            }
            let output = try await Tool.run("/usr/bin/env", ["python3", script, String(port), mode] + (count.map { [String($0)] } ?? []),
                                            in: s.dir, timeout: .seconds(60))
            let line = output.stdout.split(separator: "\n").last.map(String.init) ?? ""
            outcome = try #require((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], "\(output)")
            let during = try await bystander.value
            #expect(during.stdout.components(separatedBy: ":status: 200").count - 1 == 20, "bystander during \(mode): \(during.stdout.suffix(800))")
            let after = try await s.curl(["--http2-prior-knowledge", "http://127.0.0.1:\(port)/echo"])
            #expect(after.status == 200, "after \(mode): \(after)")
        }
        return outcome
    }

    static func goawayOrClosed(_ outcome: [String: Any], code: Int) -> Bool {
        outcome["outcome"] as? String == "closed" || (outcome["outcome"] as? String == "goaway" && outcome["error"] as? Int == code)
    }

    /// CVE-2023-44487: 2,000 streams opened and cancelled at once end the connection
    /// (libnghttp2's limit: 1,000 in a burst, then 33 a second; its GOAWAY says
    /// INTERNAL_ERROR); 300 do not.
    @Test(.timeLimit(.endToEnd(3))) func rapidReset() async throws {
        let flood = try await Self.attack("rapid-reset", 2000)
        #expect(Self.goawayOrClosed(flood, code: 2), "\(flood)")
        let few = try await Self.attack("rapid-reset", 300)
        #expect(few["outcome"] as? String == "nothing", "\(few)")
    }

    /// More than 8 CONTINUATION frames after one HEADERS frame close the connection.
    @Test(.timeLimit(.endToEnd(3))) func continuationFlood() async throws {
        let outcome = try await Self.attack("continuation", 50)
        #expect(Self.goawayOrClosed(outcome, code: 1) || Self.goawayOrClosed(outcome, code: 11), "\(outcome)")
    }

    /// A field stored once in the HPACK table and named 100 times (400 KB decoded from a
    /// 100-byte block) is refused on its stream; a 40 KiB field is answered 431.
    @Test(.timeLimit(.endToEnd(3))) func headerBlocksPastTheLimit() async throws {
        let bomb = try await Self.attack("hpack-bomb")
        let refused = (bomb["outcome"] as? String == "status" && bomb["status"] as? Int == 431) || bomb["outcome"] as? String == "reset"
        #expect(refused, "\(bomb)")
        let big = try await Self.attack("big-header")
        #expect(big["outcome"] as? String == "status" && big["status"] as? Int == 431, "\(big)")
    }

    /// SETTINGS and PING frames sent faster than their ACKs are read close the connection
    /// (libnghttp2 stops queueing ACKs).
    @Test(.timeLimit(.endToEnd(3))) func settingsAndPingFloods() async throws {
        for mode in ["settings-flood", "ping-flood"] {
            let outcome = try await Self.attack(mode, 20000)
            #expect(Self.goawayOrClosed(outcome, code: 11), "\(mode): \(outcome)")
        }
    }

    /// Empty DATA frames: 20,000 end the connection with ENHANCE_YOUR_CALM; 100 do not.
    @Test(.timeLimit(.endToEnd(3))) func emptyFrameFlood() async throws {
        let flood = try await Self.attack("empty-data", 20000)
        #expect(Self.goawayOrClosed(flood, code: 11), "\(flood)")
        let few = try await Self.attack("empty-data", 100)
        #expect(few["outcome"] as? String == "nothing", "\(few)")
    }

    /// The last stream id a client may use is served; a lower id after it never starts a
    /// request.
    @Test(.timeLimit(.endToEnd(3))) func streamIDsRunOut() async throws {
        let outcome = try await Self.attack("stream-ids")
        #expect(outcome["outcome"] as? String == "status" && outcome["status"] as? Int == 200, "\(outcome)")
        let then = outcome["then"] as? [String: Any]
        #expect(then?["outcome"] as? String != "status", "\(outcome)")
    }

    /// A client that opens no window for a large response holds only its own stream:
    /// others are served meanwhile, and Apus buffers a bounded amount for it.
    @Test(.timeLimit(.endToEnd(3))) func zeroWindowStallHoldsOnlyItsStream() async throws {
        try await withScenario { s in
            let (apus, port, backend) = try await Self.startH2c(s)
            let script = try s.dir.write("h2attack.py", HTTP2AttackScript.source)
            let before = apus.residentKiB() ?? 0
            let stalled = (0..<8).map { _ in
                Task { try await Tool.run("/usr/bin/env", ["python3", script, String(port), "zero-window"], in: s.dir, timeout: .seconds(60)) }
            }
            _ = try await eventually(timeout: .seconds(5)) { try await backend.stats().paths.filter { $0 == "/bytes/10000000" }.count >= 8 }
            try await Task.sleep(for: .seconds(1))
            let during = try await s.curl(["--http2-prior-knowledge", "http://127.0.0.1:\(port)/bytes/1000000"])
            #expect(during.status == 200 && during.body.count == 1_000_000, "\(during)")
            let grown = (apus.residentKiB() ?? 0) - before
            // Eight stalled 10 MB responses: each holds its stream's queue and one buffer.
            #expect(grown < 8 * 1024 * 2, "RSS grew by \(grown) KiB with 8 stalled streams")
            for task in stalled { task.cancel() }
        }
    }
}
