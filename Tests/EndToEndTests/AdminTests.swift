import Foundation
import Testing

/// The admin listener: /healthz, /readyz, Prometheus /metrics and /routes (the compiled table as JSON).
@Suite struct AdminTests {
    static func start(_ s: Scenario) async throws -> (port: Int, admin: Int) {
        let backend = try await s.backend("app")
        let dead = try s.port()
        let (port, admin) = (try s.port(), try s.port())
        _ = try await s.apus(ApusConfig.yaml(listen: port, admin: admin, body: """
        routes:
          - host: app.example.test
            paths:
              - { path: /api, type: Prefix, upstream: api }
              - { path: /dead, type: Prefix, upstream: dead }
              - { path: "/re/[a-z]+", type: Regex, upstream: api }
          - paths:
              - { path: /health, type: Exact, respond: { status: 200, body: "ok", content_type: text/plain } }
        upstreams:
          api: { endpoints: [\(backend.endpoint)] }
          dead: { endpoints: [127.0.0.1:\(dead)] }
        """), waitFor: [port, admin])
        return (port, admin)
    }

    /// /healthz answers 200 "ok" and /readyz 200 once serving.
    @Test(.timeLimit(.endToEnd(3))) func healthAndReadiness() async throws {
        try await withScenario { s in
            let (_, admin) = try await Self.start(s)
            let health = try await HTTPClient.request(port: admin, path: "/healthz")
            #expect(health.status == 200)
            #expect(health.bodyText.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
            #expect(try await HTTPClient.request(port: admin, path: "/readyz").status == 200)
            #expect(try await HTTPClient.request(port: admin, path: "/no-such-admin-page").status == 404)
        }
    }

    /// /metrics is Prometheus text with request counts by route and status class, upstream errors,
    /// active connections, table generation and last reload success.
    @Test(.timeLimit(.endToEnd(3))) func metrics() async throws {
        try await withScenario { s in
            let (port, admin) = try await Self.start(s)
            for _ in 0..<3 { #expect(try await HTTPClient.request(port: port, path: "/api/x", host: "app.example.test").status == 200) }
            #expect(try await HTTPClient.request(port: port, path: "/dead", host: "app.example.test").status == 502)
            let held = try await RawConnection.connect(port: port)
            try await held.send("GET /health HTTP/1.1\r\nHost: any.test\r\n\r\n")
            #expect(try await held.readResponse()?.status == 200)
            let response = try await HTTPClient.request(port: admin, path: "/metrics")
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("text/plain") == true)
            let text = response.bodyText
            let lines = text.split(separator: "\n").map(String.init)
            let samples = lines.filter { !$0.hasPrefix("#") }
            #expect(samples.contains { $0.hasPrefix("apus_requests_total{") && $0.contains("status=\"200\"") && $0.contains("path=\"") },
                    "no apus_requests_total{path=...,status=\"200\"} sample in:\n\(text)")
            let api2xx = samples.filter { $0.hasPrefix("apus_requests_total{") && $0.contains("status=\"200\"") }
                .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
            #expect(api2xx >= 3)
            #expect(samples.contains { $0.hasPrefix("apus_upstream_errors_total{") && $0.contains("upstream=\"dead\"") && $0.contains("kind=\"") },
                    "no apus_upstream_errors_total{upstream=\"dead\",kind=...} sample")
            let active = try await Probe.metric(adminPort: admin, "apus_connections_active")
            #expect((active ?? 0) >= 1, "apus_connections_active = \(String(describing: active)) with a connection held open")
            #expect(samples.contains { $0.hasPrefix("apus_route_table_generation") })
            #expect(samples.contains { $0.hasPrefix("apus_config_last_reload_success") && $0.hasSuffix(" 1") })
            #expect(lines.contains { $0.hasPrefix("# TYPE apus_requests_total counter") })
        }
    }

    /// /routes is JSON naming the configured hosts, paths, match types and upstreams.
    @Test(.timeLimit(.endToEnd(3))) func routesJSON() async throws {
        try await withScenario { s in
            let (_, admin) = try await Self.start(s)
            let response = try await HTTPClient.request(port: admin, path: "/routes")
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.contains("json") == true)
            #expect((try? JSONSerialization.jsonObject(with: Data(response.body))) != nil, "/routes is not JSON: \(response.bodyText.prefix(300))")
            for needle in ["app.example.test", "/api", "/dead", "/re/[a-z]+", "/health", "Prefix", "Exact", "Regex", "api"] {
                #expect(response.bodyText.contains(needle), "/routes lacks \(needle)")
            }
        }
    }
}
