import Foundation
import Testing

/// Load balancing across endpoints: round_robin alternates, least_conn avoids the busy endpoint.
@Suite struct BalancingTests {
    /// 20 sequential requests with round_robin over 2 endpoints split 10/10 (within one), alternating.
    @Test(.timeLimit(.endToEnd(3))) func roundRobinSpreads() async throws {
        try await withScenario { s in
            let b = try await s.backends(["a", "b"])
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [b["a"]!.endpoint, b["b"]!.endpoint],
                                                    upstreamOptions: "balance: round_robin"), waitFor: [port])
            var answers: [String] = []
            for _ in 0..<20 {
                answers.append(try await Probe.who(port: port, host: "rr.test", path: "/echo"))
            }
            let a = answers.filter { $0 == "a" }.count
            let bCount = answers.filter { $0 == "b" }.count
            #expect(a + bCount == 20, "\(answers)")
            #expect(abs(a - bCount) <= 1, "round robin split \(a)/\(bCount): \(answers)")
            let repeats = zip(answers, answers.dropFirst()).filter { $0 == $1 }.count
            #expect(repeats <= 1, "round robin should alternate: \(answers)")
        }
    }

    /// With least_conn, while one endpoint holds a slow request, new requests go to the other one.
    @Test(.timeLimit(.endToEnd(3))) func leastConnAvoidsBusyEndpoint() async throws {
        try await withScenario { s in
            let b = try await s.backends(["a", "b"])
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [b["a"]!.endpoint, b["b"]!.endpoint],
                                                    upstreamOptions: "balance: least_conn"), waitFor: [port])
            let slow = Task { try await HTTPClient.request(port: port, path: "/delay/3000", timeout: .seconds(10)) }
            // Wait until the slow request is at one of the backends.
            var busy: String?
            _ = try await eventually(timeout: .seconds(3)) {
                for name in ["a", "b"] where try await b[name]!.stats().paths.contains("/delay/3000") { busy = name }
                return busy != nil
            }
            let busyName = try #require(busy, "slow request never reached a backend")
            var fast: [String] = []
            for _ in 0..<6 { fast.append(try await Probe.who(port: port, host: "lc.test", path: "/echo")) }
            #expect(fast.allSatisfy { $0 != busyName && $0.count == 1 }, "fast requests went to \(fast) while \(busyName) was busy")
            let slowResponse = try await slow.value
            #expect(slowResponse.status == 200)
            #expect(slowResponse.header("X-Backend") == busyName)
        }
    }

    /// The round-robin cursor survives a config reload (DESIGN.md: balancer state lives in the worker,
    /// keyed by upstream name), so the alternation continues instead of restarting at the first endpoint.
    @Test(.timeLimit(.endToEnd(3))) func roundRobinSurvivesReload() async throws {
        try await withScenario { s in
            let b = try await s.backends(["a", "b"])
            let (port, admin) = (try s.port(), try s.port())
            func config(_ marker: String) -> String {
                ApusConfig.yaml(listen: port, admin: admin, body: """
                routes:
                  - paths:
                      \(ApusConfig.markerPath(marker))
                      - { path: /, type: Prefix, upstream: app }
                upstreams:
                  app: { endpoints: [\(b["a"]!.endpoint), \(b["b"]!.endpoint)], balance: round_robin }
                """)
            }
            let apus = try await s.apus(config("0"), waitFor: [port, admin])
            var answers: [String] = []
            for round in 1...4 {
                for _ in 0..<3 { answers.append(try await Probe.who(port: port, host: "rr.test", path: "/echo")) }
                #expect(try await apus.reload(config(String(round)), untilMarker: String(round), port: port), "reload \(round) not applied")
            }
            let repeats = zip(answers, answers.dropFirst()).filter { $0 == $1 }.count
            #expect(repeats == 0, "alternation broke across reloads: \(answers)")
        }
    }
}
