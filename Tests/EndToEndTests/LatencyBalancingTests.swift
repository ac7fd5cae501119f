import Foundation
import Testing

/// `balance: ewma` (ingress-nginx's `load-balance: ewma`) against real Python upstreams: an
/// endpoint that answers 40 ms slower gets a small share, where round robin splits evenly.
@Suite struct LatencyBalancingTests {
    @Test(.timeLimit(.endToEnd(3))) func theSlowEndpointGetsLittle() async throws {
        try await withScenario { s in
            let b = try await s.backends(["fast", "slow"])
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - host: ewma.test
                paths: [{ path: /, upstream: byLatency }]
              - host: rr.test
                paths: [{ path: /, upstream: inTurn }]
            upstreams:
              byLatency: { endpoints: [\(b["fast"]!.endpoint), \(b["slow"]!.endpoint)], balance: ewma }
              inTurn: { endpoints: [\(b["fast"]!.endpoint), \(b["slow"]!.endpoint)] }
            """), waitFor: [port])
            func shares(host: String) async throws -> [String: Int] {
                try await Probe.tally(port: port, host: host, path: "/delay-on/slow/40", connections: 6, requests: 30)
            }
            let ewma = try await shares(host: "ewma.test")
            let roundRobin = try await shares(host: "rr.test")
            print("ewma: \(ewma), round robin: \(roundRobin) (180 requests each, the slow endpoint 40 ms slower)")
            #expect(ewma.values.reduce(0, +) == 180 && roundRobin.values.reduce(0, +) == 180)
            #expect((ewma["slow"] ?? 0) <= 45, "ewma sends the slow endpoint at most a quarter (round robin: half): \(ewma)")
            #expect((75...105).contains(roundRobin["slow"] ?? 0), "round robin splits evenly: \(roundRobin)")
        }
    }
}
