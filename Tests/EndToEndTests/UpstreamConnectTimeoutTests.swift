import Foundation
import Testing

/// Upstream connects that hang (not refused) end at connect_timeout: 504 when nothing else can serve,
/// one retry on another endpoint otherwise.
@Suite struct UpstreamConnectTimeoutTests {
    /// A single hanging endpoint with connect_timeout: 1s answers 504 after about a second.
    @Test(.timeLimit(.endToEnd(3))) func hangingConnectGives504() async throws {
        try await withScenario { s in
            let hole = try BlackholeListener()
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [hole.endpoint], upstreamOptions: "connect_timeout: 1s"),
                                 waitFor: [port])
            let start = ContinuousClock.now
            let response = try await HTTPClient.request(port: port, path: "/", timeout: .seconds(10))
            let elapsed = ContinuousClock.now - start
            #expect(response.status == 504, "\(response)")
            #expect(elapsed >= .milliseconds(900) && elapsed < .milliseconds(3500), "answered after \(elapsed)")
            withExtendedLifetime(hole) {}
        }
    }

    /// With a hanging endpoint next to a live one, every request is answered 200 (the timed-out connect is retried on the live one).
    @Test(.timeLimit(.endToEnd(3))) func hangingConnectRetriedElsewhere() async throws {
        try await withScenario { s in
            let hole = try BlackholeListener()
            let live = try await s.backend("live")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [hole.endpoint, live.endpoint],
                                                    upstreamOptions: "balance: round_robin, connect_timeout: 500ms"),
                                 waitFor: [port])
            for index in 0..<4 {
                let response = try await HTTPClient.request(port: port, path: "/echo?i=\(index)", timeout: .seconds(10))
                #expect(response.status == 200, "request \(index): \(response)")
                #expect(response.header("X-Backend") == "live")
            }
            withExtendedLifetime(hole) {}
        }
    }
}
