import Foundation
import Testing

/// A reload that removes and reorders upstreams while requests are in flight: each in-flight
/// request finishes on the upstream it started with (a worker must not look it up by its
/// position in the new table).
@Suite struct ReloadRenumbersUpstreamsTests {
    /// Each upstream gets the route `/NAME`, except `gamma`, which serves `/delay` (the
    /// backend's slow endpoint).
    static func config(listen: Int, admin: Int, upstreams: [(name: String, endpoint: String)]) -> String {
        let routes = upstreams.map {
            "      - { path: /\($0.name == "gamma" ? "delay" : $0.name), type: Prefix, upstream: \($0.name) }"
        }.joined(separator: "\n")
        let blocks = upstreams.map { "  \($0.name): { endpoints: [\($0.endpoint)] }" }.joined(separator: "\n")
        return ApusConfig.yaml(listen: listen, admin: admin, body: """
        routes:
          - paths:
        \(routes)
        upstreams:
        \(blocks)
        """)
    }

    /// A slow request to the third upstream survives a reload that drops the first two.
    @Test(.timeLimit(.endToEnd(3))) func inFlightRequestKeepsItsUpstream() async throws {
        try await withScenario(slots: 3) { s in
            let a = try await s.backend("alpha")
            let b = try await s.backend("beta")
            let c = try await s.backend("gamma")
            let (port, admin) = (try s.port(), try s.port())
            let apus = try await s.apus(Self.config(listen: port, admin: admin, upstreams: [
                ("alpha", a.endpoint), ("beta", b.endpoint), ("gamma", c.endpoint),
            ]), waitFor: [port, admin])
            let slow = Task { try await HTTPClient.request(port: port, path: "/delay/1500", timeout: .seconds(10)) }
            try await Task.sleep(for: .milliseconds(300))
            try apus.rewriteConfig(Self.config(listen: port, admin: admin, upstreams: [("gamma", c.endpoint)]))
            apus.send(SIGHUP)
            let reloaded = try await eventually(timeout: .seconds(3)) {
                try await HTTPClient.request(port: port, path: "/alpha").status == 404
            }
            #expect(reloaded, "the reload that drops alpha was not served")
            let response = try await slow.value
            #expect(response.status == 200, "in-flight request across the reload: \(response.status)")
            #expect(response.header("X-Backend") == "gamma", "answered by \(String(describing: response.header("X-Backend")))")
            #expect(apus.child.isRunning)
        }
    }
}
