import Foundation
import Testing

/// `rate_limit` on routes (ingress-nginx's `limit-rps`, `limit-rpm`, `limit-connections`,
/// `limit-allowlist`) with `apus serve` against a real Python upstream.
@Suite struct RateLimitTests {
    /// A paced client on 8 connections, which the kernel spreads over two workers: 40
    /// requests a second for 3 s against 10 a second with a burst of 10 gets about
    /// 1 + 10 + 30 through, not twice that.
    @Test(.timeLimit(.endToEnd(3))) func theRateHoldsAcrossTwoWorkers() async throws {
        try await withScenario { s in
            let b = try await s.backends(["app"])
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, workers: "2", body: """
            routes:
              - host: r.test
                rate_limit: { rps: 10, burst_multiplier: 1 }
                paths: [{ path: /, upstream: app }]
            upstreams:
              app: { endpoints: [\(b["app"]!.endpoint)] }
            """), waitFor: [port])
            let start = ContinuousClock.now
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for connectionIndex in 0..<8 {
                    group.addTask {
                        let connection = try await RawConnection.connect(port: port)
                        var seen: [Int] = []
                        // 5 requests a second per connection, offset so that the 8 interleave.
                        try await Task.sleep(until: start + .milliseconds(25 * connectionIndex))
                        for tick in 0..<15 {
                            try await Task.sleep(until: start + .milliseconds(25 * connectionIndex + 200 * tick))
                            try await connection.send("GET / HTTP/1.1\r\nHost: r.test\r\n\r\n")
                            seen.append(try #require(try await connection.readResponse()).status)
                        }
                        return seen
                    }
                }
                var all: [Int] = []
                for try await seen in group { all += seen }
                return all
            }
            let passed = statuses.filter { $0 == 200 }.count
            print("rate limit on two workers: \(passed) of \(statuses.count) requests passed at 40/s against rps 10, burst 10 (expected about 41)")
            #expect(statuses.count == 120 && Set(statuses).isSubset(of: [200, 503]), "\(Set(statuses))")
            #expect((36...46).contains(passed), "\(passed) passed")
        }
    }

    /// 429 with Retry-After when chosen; the allow list is never limited; rpm.
    @Test(.timeLimit(.endToEnd(3))) func tooManyRequestsWithRetryAfterAndTheAllowList() async throws {
        try await withScenario { s in
            let b = try await s.backends(["app"])
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            limits: { rate_limit_status: 429 }
            routes:
              - host: m.test
                rate_limit: { rpm: 1, burst_multiplier: 1 }
                paths:
                  - { path: /, upstream: app }
                  - { path: /free, upstream: app, rate_limit: false }
                  - { path: /trusted, upstream: app, rate_limit: { rps: 1, burst_multiplier: 1, allow: [127.0.0.0/8] } }
            upstreams:
              app: { endpoints: [\(b["app"]!.endpoint)] }
            """), waitFor: [port])
            var statuses: [Int] = []
            var retryAfter: String?
            for _ in 0..<3 {
                let response = try await HTTPClient.request(port: port, path: "/", host: "m.test")
                statuses.append(response.status)
                if response.status == 429 { retryAfter = response.header("Retry-After") }
            }
            #expect(statuses == [200, 200, 429], "one, then a burst of one, then refused: \(statuses)")
            let seconds = try #require(retryAfter.flatMap { Int($0) })
            #expect((59...60).contains(seconds), "Retry-After \(seconds)")
            for path in ["/free", "/trusted"] {
                let answers = try await (0..<10).asyncMap { _ in try await HTTPClient.request(port: port, path: path, host: "m.test").status }
                #expect(answers.allSatisfy { $0 == 200 }, "\(path): \(answers)")
            }
        }
    }

    /// connections: 2 lets two slow requests of a client through and answers the third 503;
    /// once they end, the client may go on.
    @Test(.timeLimit(.endToEnd(3))) func requestsInProgressPerClient() async throws {
        try await withScenario { s in
            let b = try await s.backends(["app"])
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, workers: "2", body: """
            routes:
              - host: c.test
                rate_limit: { connections: 2 }
                paths: [{ path: /, upstream: app }]
            upstreams:
              app: { endpoints: [\(b["app"]!.endpoint)] }
            """), waitFor: [port])
            let slow = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<2 { group.addTask { try await HTTPClient.request(port: port, path: "/delay/800", host: "c.test").status } }
                try await Task.sleep(for: .milliseconds(300))
                let third = try await HTTPClient.request(port: port, path: "/", host: "c.test").status
                var statuses = [third]
                for try await status in group { statuses.append(status) }
                return statuses
            }
            #expect(slow == [503, 200, 200], "\(slow)")
            let after = try await (0..<5).asyncMap { _ in try await HTTPClient.request(port: port, path: "/", host: "c.test").status }
            #expect(after.allSatisfy { $0 == 200 }, "the counts were given back: \(after)")
        }
    }

    /// 20,000 clients named by X-Forwarded-For behind a trusted proxy, each with its own
    /// count: every one passes, and resident memory grows by less than the table.
    @Test(.timeLimit(.endToEnd(4))) func distinctClientsEachGetTheirOwnCount() async throws {
        try await withScenario { s in
            let b = try await s.backends(["app"])
            let port = try s.port()
            let admin = try s.port()
            let apus = try await s.apus(ApusConfig.yaml(listen: port, admin: admin, body: """
            client_address: { trusted_proxies: [127.0.0.1/32] }
            routes:
              - host: f.test
                rate_limit: { rps: 1, burst_multiplier: 1 }
                paths: [{ path: /, type: Exact, respond: { status: 204 } }, { path: /up, upstream: app }]
            upstreams:
              app: { endpoints: [\(b["app"]!.endpoint)] }
            """), waitFor: [port])
            let before = try #require(apus.residentKiB())
            let refused = try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        let connection = try await RawConnection.connect(port: port)
                        var refused = 0
                        for n in 0..<5_000 {
                            let client = worker * 5_000 + n
                            try await connection.send("GET / HTTP/1.1\r\nHost: f.test\r\nX-Forwarded-For: 10.\(client >> 16).\((client >> 8) & 255).\(client & 255)\r\n\r\n")
                            if try #require(try await connection.readResponse()).status != 204 { refused += 1 }
                        }
                        return refused
                    }
                }
                var total = 0
                for try await count in group { total += count }
                return total
            }
            let after = try #require(apus.residentKiB())
            print("rate limiter: 20,000 distinct clients, \(refused) refused, resident memory \(before) -> \(after) KiB")
            #expect(refused == 0)
            expectResidentMemory(after - before < 8 * 1024, "\(before) -> \(after) KiB")
            let held = try await PrometheusScrape.scrape(adminPort: admin, in: s.dir).sum("apus_rate_limit_clients")
            #expect(held >= 19_900 && held <= 20_000, "the table holds the flood's clients: \(held)")
            let repeated = try await (0..<3).asyncMap { _ in
                try await HTTPClient.request(port: port, path: "/", host: "f.test", headers: [("X-Forwarded-For", "192.0.2.1")]).status
            }
            #expect(repeated == [204, 204, 503], "after the flood a client is still counted (its first, a burst of one, then refused): \(repeated)")
        }
    }
}
