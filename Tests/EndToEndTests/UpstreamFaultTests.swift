import Foundation
import Testing

/// Upstreams that misbehave in ways a well-kept backend never does (issue 17): an endless run
/// of interim responses, a status line dribbled a byte a second, a pooled connection closed
/// under a POST, clients that give up while the upstream holds their request.
@Suite struct UpstreamFaultTests {
    /// CPU seconds (user + system) the process has used so far.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return -1 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Fields 14 and 15 of the whole line (utime, stime) are 12 and 13 after the name.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return -1 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// `HTTP/1.1 100 Continue` forever: the exchange ends with 502 at once, and the worker is
    /// idle afterwards (before: 100 % of a core until the read timeout, even after the client left).
    @Test(.timeLimit(.endToEnd(3))) func endlessInterimResponsesEndTheExchange() async throws {
        try await withScenario { s in
            let flood = try await s.hostileUpstream("interim-flood")
            let port = try s.port()
            let apus = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [flood.endpoint], upstreamOptions: "read_timeout: 30s"),
                                        waitFor: [port])
            let start = ContinuousClock.now
            let response = try await HTTPClient.request(port: port, path: "/flood", timeout: .seconds(10))
            #expect(response.status == 502)
            #expect(ContinuousClock.now - start < .seconds(2), "answered after \(ContinuousClock.now - start)")

            // A client that leaves in the middle of the flood.
            let client = try await RawConnection.connect(port: port)
            try await client.send("GET /flood HTTP/1.1\r\nHost: x\r\n\r\n")
            try await Task.sleep(for: .milliseconds(50))
            client.abort()
            #expect(try await eventually(timeout: .seconds(3)) { flood.closed == 2 }, "apus closed both flooding connections: \(flood.events)")
            try await Task.sleep(for: .milliseconds(300))
            let before = Self.cpuSeconds(apus.pid)
            try await Task.sleep(for: .seconds(2))
            let used = Self.cpuSeconds(apus.pid) - before
            print("UPSTREAM-FAULTS apus CPU over 2 s after the interim floods: \(used) s")
            #expect(before >= 0 && used < 0.1, "the worker keeps working after the flood: \(used) s of CPU in 2 s")
            #expect(try await HTTPClient.request(port: port, path: "/flood").status == 502, "still serving")
        }
    }

    /// A status line at one byte a second never completes the head: 504 once the read timeout
    /// has passed since the request went out, whatever arrives meanwhile.
    @Test(.timeLimit(.endToEnd(3))) func dribbledStatusLineTimesOut() async throws {
        try await withScenario { s in
            let slow = try await s.hostileUpstream("slow-status")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [slow.endpoint], upstreamOptions: "read_timeout: 2s"),
                                 waitFor: [port])
            let start = ContinuousClock.now
            let response = try await HTTPClient.request(port: port, path: "/slow", timeout: .seconds(20))
            let elapsed = ContinuousClock.now - start
            #expect(response.status == 504)
            #expect(elapsed >= .milliseconds(1900) && elapsed < .milliseconds(3500), "504 after \(elapsed)")
        }
    }

    /// A pooled connection the upstream closes under a request: a GET is sent again on a fresh
    /// connection, a POST is not (RFC 9110 §9.2.2): the upstream sees it once and the client gets
    /// 502. `retry_non_idempotent: true` opts back in.
    @Test(.timeLimit(.endToEnd(3))) func bodylessPostIsNotReplayed() async throws {
        try await withScenario { s in
            let upstream = try await s.hostileUpstream("close-reused", name: "strict")
            let lenient = try await s.hostileUpstream("close-reused", name: "lenient")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - paths:
                  - { path: /lenient, type: Prefix, upstream: lenient }
                  - { path: /, type: Prefix, upstream: strict }
            upstreams:
              strict: { endpoints: [\(upstream.endpoint)] }
              lenient: { endpoints: [\(lenient.endpoint)], retry_non_idempotent: true }
            """), waitFor: [port])
            #expect(try await HTTPClient.request(port: port, path: "/warm").status == 200)
            let charged = try await HTTPClient.request(port: port, method: "POST", path: "/charge")
            #expect(charged.status == 502)
            #expect(upstream.requests.filter { $0 == "POST /charge" }.count == 1, "\(upstream.requests)")

            #expect(try await HTTPClient.request(port: port, path: "/warm-again").status == 200)
            let retried = try await HTTPClient.request(port: port, path: "/list")
            #expect(retried.status == 200, "an idempotent request is sent again on a fresh connection")
            #expect(upstream.requests.filter { $0 == "GET /list" }.count == 2, "\(upstream.requests)")

            #expect(try await HTTPClient.request(port: port, path: "/lenient/warm").status == 200)
            #expect(try await HTTPClient.request(port: port, method: "POST", path: "/lenient/charge").status == 200)
            #expect(lenient.requests.filter { $0 == "POST /lenient/charge" }.count == 2, "\(lenient.requests)")
        }
    }

    /// Clients that give up while the upstream sits on their requests: apus closes those upstream
    /// connections at once (as nginx does), instead of holding them until the read timeout.
    @Test(.timeLimit(.endToEnd(3))) func abandonedRequestsReleaseTheUpstream() async throws {
        try await withScenario { s in
            let hold = try await s.hostileUpstream("hold")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [hold.endpoint], upstreamOptions: "read_timeout: 60s"),
                                 waitFor: [port])
            var clients: [RawConnection] = []
            for index in 0..<50 {
                let client = try await RawConnection.connect(port: port)
                try await client.send("GET /held/\(index) HTTP/1.1\r\nHost: x\r\n\r\n")
                clients.append(client)
            }
            #expect(try await eventually(timeout: .seconds(5)) { hold.requests.count == 50 }, "\(hold.requests.count) requests reached the upstream")
            for client in clients { client.abort() }
            let released = try await eventually(timeout: .seconds(3)) { hold.closed == 50 }
            #expect(released, "upstream connections still open after their clients left: \(50 - hold.closed)")
        }
    }

    /// Requests from `clients` concurrent loops for `duration`, each on its own connection;
    /// returns how many there were and the statuses other than 200 (or the errors).
    static func load(port: Int, clients: Int, duration: Duration) async -> (total: Int, failed: [String]) {
        let end = ContinuousClock.now + duration
        return await withTaskGroup(of: (Int, [String]).self) { group in
            for client in 0..<clients {
                group.addTask {
                    var total = 0
                    var failed: [String] = []
                    while ContinuousClock.now < end {
                        total += 1
                        do {
                            let response = try await HTTPClient.request(port: port, path: "/load/\(client)/\(total)", timeout: .seconds(10))
                            if response.status != 200 { failed.append("status \(response.status)") }
                        } catch {
                            failed.append("\(error)")
                        }
                    }
                    return (total, failed)
                }
            }
            var total = 0
            var failed: [String] = []
            for await (count, errors) in group {
                total += count
                failed += errors
            }
            return (total, failed)
        }
    }

    /// Eight clients for 4 s against two endpoints, one healthy and one `mode`: no request may
    /// fail, and the faulty endpoint gets at most the one request per client that may be on its
    /// way before its first failure ejects it.
    static func ejectionUnderLoad(_ s: Scenario, mode: String, options: String) async throws {
        let good = try await s.backend("good")
        let faulty = try await s.hostileUpstream(mode)
        let port = try s.port()
        _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [faulty.endpoint, good.endpoint], upstreamOptions: options),
                             waitFor: [port])
        let (total, failed) = await Self.load(port: port, clients: 8, duration: .seconds(4))
        print("UPSTREAM-FAULTS \(mode) endpoint: \(failed.count) of \(total) requests failed; it was sent \(faulty.requests.count)")
        #expect(failed.isEmpty && total > 100, "\(failed.count) of \(total) failed: \(failed.prefix(5))")
        #expect(faulty.requests.count <= 8, "an ejected endpoint keeps getting requests: \(faulty.requests.count)")
    }

    /// One of two endpoints accepts and resets every request: each request it fails is sent to
    /// the other one, the endpoint is ejected after its first failure and tried again only by a
    /// probe, so under load no GET fails (before: half of them answered 502).
    @Test(.timeLimit(.endToEnd(3))) func resettingEndpointIsEjectedAndRequestsRetried() async throws {
        try await withScenario(slots: 2) { s in
            try await Self.ejectionUnderLoad(s, mode: "reset", options: "balance: round_robin")
        }
    }

    /// One of two endpoints accepts and never answers: the requests it holds time out
    /// (read_timeout 1s) and are sent to the other endpoint, which then gets everything while
    /// the hanging one is ejected, so no GET fails (before: 504s).
    @Test(.timeLimit(.endToEnd(3))) func hangingEndpointIsEjectedAndRequestsRetried() async throws {
        try await withScenario(slots: 2) { s in
            try await Self.ejectionUnderLoad(s, mode: "hold", options: "balance: round_robin, read_timeout: 1s")
        }
    }

    /// After the ejection (10 s) the endpoint is probed: one request at a time until one
    /// succeeds, then it is back in rotation.
    @Test(.timeLimit(.endToEnd(3))) func ejectedEndpointComesBackAfterAProbe() async throws {
        try await withScenario { s in
            let laterPort = try s.port()
            let b = try await s.backend("b")
            let port = try s.port()
            let apus = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: ["127.0.0.1:\(laterPort)", b.endpoint],
                                                           upstreamOptions: "balance: round_robin"),
                                        waitFor: [port])
            // Nothing listens on a's port yet: refused, ejected, the request goes to b.
            for _ in 0..<2 { #expect(try await HTTPClient.request(port: port, path: "/echo").header("X-Backend") == "b") }
            #expect(apus.stderr.contains("upstream connect failed"))
            let a = try await PythonBackend.start(name: "a", port: laterPort, in: s.dir)
            s.track(a.child)
            var seen = Set<String>()
            for _ in 0..<6 { seen.insert(try await HTTPClient.request(port: port, path: "/echo").header("X-Backend") ?? "?") }
            #expect(seen == ["b"], "the ejected endpoint got requests before its ejection ended: \(seen)")
            try await Task.sleep(for: .seconds(10))
            seen = []
            for _ in 0..<6 { seen.insert(try await HTTPClient.request(port: port, path: "/echo").header("X-Backend") ?? "?") }
            #expect(seen == ["a", "b"], "after the ejection a probe brings it back: \(seen)")
        }
    }
}
