import Foundation
import Testing

/// The admin listener shows compression: each route's settings in /routes, and apus_gzip_* in /metrics.
@Suite struct GzipAdminTests {
    /// /routes carries the compiled compression of each proxy route (a per-path override included);
    /// /metrics counts compressed responses and their bytes before and after.
    @Test(.timeLimit(.endToEnd(3))) func routesAndMetricsShowCompression() async throws {
        try await withScenario { s in
            let backend = try await s.backend("gzadmin")
            let port = try s.port()
            let admin = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, admin: admin, body: """
            compression: { level: 7, min_length: 2k, types: [text/plain] }
            routes:
              - paths:
                  - { path: /, type: Prefix, upstream: app }
                  - { path: /fast, type: Prefix, upstream: app, compression: { level: 1 } }
                  - { path: /off, type: Prefix, upstream: app, compression: { gzip: false } }
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
            """), waitFor: [port, admin])
            let table = try #require(try await HTTPClient.json(port: admin, path: "/routes") as? [String: Any])
            let routes = (table["hosts"] as? [[String: Any]] ?? []).flatMap { $0["routes"] as? [[String: Any]] ?? [] }
            var byPath: [String: [String: Any]] = [:]
            for route in routes { if let path = route["path"] as? String { byPath[path] = route["compression"] as? [String: Any] } }
            #expect(byPath["/"]?["gzip"] as? Bool == true)
            #expect(byPath["/"]?["level"] as? Int == 7)
            #expect(byPath["/"]?["minLength"] as? Int == 2048)
            #expect(byPath["/"]?["types"] as? [String] == ["text/plain"])
            #expect(byPath["/fast"]?["level"] as? Int == 1)
            #expect(byPath["/fast"]?["minLength"] as? Int == 2048)
            #expect(byPath["/off"]?["gzip"] as? Bool == false)
            #expect(byPath["/off"]?["level"] == nil)

            let before = try await Probe.metric(adminPort: admin, "apus_gzip_responses_total") ?? -1
            #expect(before == 0)
            let fetched = try await GzipPeer.fetch(s, port: port, ["GET /gz?n=100000", "GET /gz?n=1000"])
            #expect(fetched.map { $0.header("Content-Encoding") } == ["gzip", nil], "1000 bytes is under min_length 2k")
            let counted = await eventually(timeout: .seconds(5)) {
                (try? await Probe.metric(adminPort: admin, "apus_gzip_responses_total")) == 1
            }
            #expect(counted, "apus_gzip_responses_total did not reach 1")
            let bytesIn = try await Probe.metric(adminPort: admin, "apus_gzip_input_bytes_total")
            let bytesOut = try await Probe.metric(adminPort: admin, "apus_gzip_output_bytes_total") ?? 0
            #expect(bytesIn == 100_000)
            #expect(bytesOut > 0 && bytesOut == Double(fetched[0].rawLength), "gzip bytes counted: \(bytesOut), on the wire: \(fetched[0].rawLength)")
        }
    }
}
