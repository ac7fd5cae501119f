import Testing

/// Broken upstreams produce the contract's statuses quickly (502 refused/reset/invalid, 503 none
/// usable, 504 timeout), a refused connect is retried once on another endpoint, and apus keeps serving.
@Suite struct DeadAndSlowUpstreamTests {
    /// With one endpoint refusing, every request is still answered 200 by the live one (one retry on connect failure).
    @Test(.timeLimit(.endToEnd(3))) func refusedEndpointIsRetriedElsewhere() async throws {
        try await withScenario { s in
            let live = try await s.backend("live")
            let dead = try s.port()
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: ["127.0.0.1:\(dead)", live.endpoint],
                                                    upstreamOptions: "balance: round_robin, connect_timeout: 1s"),
                                 waitFor: [port])
            for index in 0..<10 {
                let response = try await HTTPClient.request(port: port, path: "/echo?i=\(index)")
                #expect(response.status == 200, "request \(index)")
                #expect(response.header("X-Backend") == "live")
            }
        }
    }

    /// A single refusing endpoint gives 502; all endpoints refusing gives 502 or 503; both fast, and apus survives.
    @Test(.timeLimit(.endToEnd(3))) func allEndpointsDown() async throws {
        try await withScenario { s in
            let (deadA, deadB, deadC) = (try s.port(), try s.port(), try s.port())
            let live = try await s.backend("live")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - paths:
                  - { path: /one, type: Prefix, upstream: one }
                  - { path: /two, type: Prefix, upstream: two }
                  - { path: /, type: Prefix, upstream: live }
            upstreams:
              one: { endpoints: [127.0.0.1:\(deadA)], connect_timeout: 1s }
              two: { endpoints: [127.0.0.1:\(deadB), 127.0.0.1:\(deadC)], connect_timeout: 1s }
              live: { endpoints: [\(live.endpoint)] }
            """), waitFor: [port])
            let start = ContinuousClock.now
            #expect(try await HTTPClient.request(port: port, path: "/one").status == 502)
            for _ in 0..<3 {
                let status = try await HTTPClient.request(port: port, path: "/two").status
                #expect([502, 503].contains(status), "all endpoints down answered \(status)")
            }
            #expect(ContinuousClock.now - start < .seconds(3), "refused connects must fail fast")
            #expect(try await HTTPClient.request(port: port, path: "/echo").status == 200)
        }
    }

    /// An upstream slower than read_timeout gives 504 soon after the timeout, not after the upstream finishes.
    @Test(.timeLimit(.endToEnd(3))) func slowUpstreamTimesOut() async throws {
        try await withScenario { s in
            let slow = try await s.backend("slow")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [slow.endpoint], upstreamOptions: "read_timeout: 1s"),
                                 waitFor: [port])
            let start = ContinuousClock.now
            let response = try await HTTPClient.request(port: port, path: "/delay/4000", timeout: .seconds(8))
            let elapsed = ContinuousClock.now - start
            #expect(response.status == 504)
            #expect(elapsed >= .milliseconds(900) && elapsed < .milliseconds(3500), "504 after \(elapsed)")
            #expect(try await HTTPClient.request(port: port, path: "/delay/100").status == 200, "fast requests still work")
        }
    }

    /// An upstream that resets, sends a non-HTTP answer, ambiguous framing (CL + chunked) or a 200 KB head gives 502.
    @Test(.timeLimit(.endToEnd(3))) func resetAndInvalidResponse() async throws {
        try await withScenario { s in
            let backend = try await s.backend("rude")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            #expect(try await HTTPClient.request(port: port, path: "/reset").status == 502)
            for path in ["/garbage", "/bad-framing", "/huge-head"] {
                let response = try await HTTPClient.request(port: port, path: path)
                #expect(response.status == 502, "\(path): \(response)")
            }
            #expect(try await HTTPClient.request(port: port, path: "/echo").status == 200)
        }
    }

    /// An upstream that closes mid-body gives the client a visibly truncated response (curl error), not a hang.
    @Test(.timeLimit(.endToEnd(3))) func closeMidBodyTruncates() async throws {
        try await withScenario { s in
            let backend = try await s.backend("midclose")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            let result = try await s.curl(["--max-time", "10", "http://127.0.0.1:\(port)/close-mid"], timeout: .seconds(15))
            #expect(result.exitCode != 0 || result.status == 502, "truncated body looked complete: \(result)")
            #expect(result.exitCode != 28, "client hung until its own timeout")
            #expect(result.totalTime < 5)
            #expect(try await HTTPClient.request(port: port, path: "/echo").status == 200)
        }
    }

    /// A request already sent to an upstream that then resets is not replayed on another endpoint
    /// (only connect failures before any byte is sent are retried): 502, and the upstreams saw it once.
    @Test(.timeLimit(.endToEnd(3))) func noReplayAfterBytesSent() async throws {
        try await withScenario { s in
            let b = try await s.backends(["a", "b"])
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [b["a"]!.endpoint, b["b"]!.endpoint],
                                                    upstreamOptions: "balance: round_robin"), waitFor: [port])
            for index in 0..<2 {
                let response = try await HTTPClient.request(port: port, method: "POST", path: "/reset?n=\(index)", body: Array("once".utf8))
                #expect(response.status == 502, "POST /reset?n=\(index): \(response)")
            }
            let seen = try await b["a"]!.stats().paths + b["b"]!.stats().paths
            #expect(seen.filter { $0.hasPrefix("/reset") }.sorted() == ["/reset?n=0", "/reset?n=1"], "replayed: \(seen)")
        }
    }
}
