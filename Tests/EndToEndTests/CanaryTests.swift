import Foundation
import Testing

/// `canary` (ingress-nginx's canary Ingress) with `apus serve` against real Python
/// upstreams: the header, then the cookie, then the weight decide; the weighted share is
/// exact on two workers; a reload continues the count instead of restarting it.
@Suite struct CanaryTests {
    @Test(.timeLimit(.endToEnd(3))) func headerThenCookieThenWeight() async throws {
        try await withScenario { s in
            let b = try await s.backends(["main", "canary"])
            let (port, admin) = (try s.port(), try s.port())
            _ = try await s.apus(ApusConfig.yaml(listen: port, admin: admin, body: """
            routes:
              - host: shop.test
                canary: { upstream: canary, header: X-Canary, cookie: canary }
                paths:
                  - { path: /, upstream: main }
                  - { path: /exact, upstream: main, canary: { upstream: canary, header: X-Canary, header_value: "v2" } }
                  - { path: /pattern, upstream: main, canary: { upstream: canary, header: X-Canary, header_pattern: "^(beta|gamma)-[0-9]+$" } }
                  - { path: /off, upstream: main, canary: false }
                  - { path: /fixed, respond: { status: 204 } }
                  - { path: /all, upstream: main, canary: { upstream: canary, header: X-Canary, cookie: canary, weight: 100 } }
              - host: empty.test
                paths:
                  - { path: /, upstream: main, canary: { upstream: nobody, weight: 100 } }
            upstreams:
              main: { endpoints: [\(b["main"]!.endpoint)] }
              canary: { endpoints: [\(b["canary"]!.endpoint)] }
              nobody: { endpoints: [] }
            """), waitFor: [port, admin])
            func who(_ path: String, host: String = "shop.test", _ headers: [(String, String)] = []) async throws -> String {
                let response = try await HTTPClient.request(port: port, path: path, host: host, headers: headers)
                return response.header("X-Backend") ?? "status \(response.status)"
            }
            #expect(try await who("/") == "main", "weight 0 by default")
            #expect(try await who("/", [("X-Canary", "always")]) == "canary")
            #expect(try await who("/", [("x-canary", "never"), ("Cookie", "canary=always")]) == "main", "the header before the cookie")
            #expect(try await who("/", [("X-Canary", "maybe"), ("Cookie", "a=1; canary=always")]) == "canary", "another value falls through to the cookie")
            #expect(try await who("/all", [("Cookie", "canary=never")]) == "main", "never wins over a weight of 100")
            #expect(try await who("/all", [("X-Canary", "never"), ("Cookie", "canary=always")]) == "main")
            #expect(try await who("/all") == "canary")
            #expect(try await who("/", [("Cookie", "CANARY=always")]) == "canary", "cookie names regardless of case, as nginx")
            #expect(try await who("/", [("X-Canary", "Always")]) == "main", "case-sensitive, as ingress-nginx")
            #expect(try await who("/exact", [("X-Canary", "v2")]) == "canary")
            #expect(try await who("/exact", [("X-Canary", "always")]) == "main", "with a value, always is just another value")
            #expect(try await who("/exact", [("X-Canary", "v2 ")]) == "canary", "optional whitespace is not part of the value")
            #expect(try await who("/pattern", [("X-Canary", "gamma-12")]) == "canary")
            #expect(try await who("/pattern", [("X-Canary", "delta-12")]) == "main")
            #expect(try await who("/off", [("X-Canary", "always")]) == "main", "canary: false on the path")
            #expect(try await who("/fixed") == "status 204", "the host's canary leaves a path that does not proxy alone")
            #expect(try await who("/", host: "empty.test") == "main", "a canary without endpoints takes nothing")

            let routes = try #require(try await HTTPClient.json(port: admin, path: "/routes") as? [String: Any])
            let table = (routes["hosts"] as? [[String: Any]] ?? []).flatMap { $0["routes"] as? [[String: Any]] ?? [] }
            let canary = table.first { $0["path"] as? String == "/exact" }?["canary"] as? [String: Any]
            #expect(canary?["upstream"] as? String == "canary" && canary?["headerValue"] as? String == "v2", "\(String(describing: canary))")
        }
    }

    /// 10 % of 2,000 requests over 20 keep-alive connections, which the kernel spreads over
    /// two workers: each worker sends exactly one in ten of its requests (a multiple of
    /// 100) to the canary, so the total is exactly 200.
    @Test(.timeLimit(.endToEnd(3))) func weightIsExactOnTwoWorkers() async throws {
        try await withScenario { s in
            let b = try await s.backends(["main", "canary"])
            let (port, admin) = (try s.port(), try s.port())
            _ = try await s.apus(ApusConfig.yaml(listen: port, admin: admin, workers: "2", body: """
            routes:
              - paths:
                  - { path: /, upstream: main, canary: { upstream: canary, weight: 10, weight_total: 100 } }
            upstreams:
              main: { endpoints: [\(b["main"]!.endpoint)] }
              canary: { endpoints: [\(b["canary"]!.endpoint)] }
            """), waitFor: [port, admin])
            let counts = try await Probe.tally(port: port, host: "w.test", connections: 20, requests: 100)
            #expect(counts == ["main": 1_800, "canary": 200], "\(counts)")
        }
    }

    /// One worker, weight 1 of 4: requests 4, 8, ... go to the canary. A reload between the
    /// third and the fourth does not restart the count.
    @Test(.timeLimit(.endToEnd(3))) func aReloadContinuesTheCount() async throws {
        try await withScenario { s in
            let b = try await s.backends(["main", "canary"])
            let (port, admin) = (try s.port(), try s.port())
            func config(_ marker: String) -> String {
                ApusConfig.yaml(listen: port, admin: admin, body: """
                routes:
                  - paths:
                      \(ApusConfig.markerPath(marker))
                      - { path: /, upstream: main, canary: { upstream: canary, weight: 1, weight_total: 4 } }
                upstreams:
                  main: { endpoints: [\(b["main"]!.endpoint)] }
                  canary: { endpoints: [\(b["canary"]!.endpoint)] }
                """)
            }
            let apus = try await s.apus(config("0"), waitFor: [port, admin])
            var answers: [String] = []
            for _ in 0..<3 { answers.append(try await Probe.who(port: port, host: "r.test", path: "/")) }
            #expect(try await apus.reload(config("1"), untilMarker: "1", port: port))
            for _ in 0..<5 { answers.append(try await Probe.who(port: port, host: "r.test", path: "/")) }
            #expect(answers == ["main", "main", "main", "canary", "main", "main", "main", "canary"], "\(answers)")
        }
    }
}
