import Foundation
import Testing

/// `allow` and `deny` by client address, with curl bound to two loopback source addresses:
/// 403 before anything else the route does (a redirect included), the refusal in the
/// access log with the client's address, a path's list in place of its route's.
@Suite struct AccessListTests {
    @Test(.timeLimit(.endToEnd(3))) func allowAndDenyByClientAddress() async throws {
        try await withScenario { s in
            let backend = try await s.backend("app")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - host: allow.test
                allow: [127.0.0.2, "::1"]
                paths:
                  - { path: /moved, type: Exact, redirect: { status: 301, path: /elsewhere } }
                  - { path: /open, upstream: app, allow: [] }
                  - { path: /, upstream: app }
              - host: deny.test
                deny: [127.0.0.2/32]
                paths:
                  - { path: /, upstream: app }
                  - { path: /both, upstream: app, allow: [127.0.0.0/8] }
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
            access_log: { format: json, path: access.log }
            """), waitFor: [port])
            func status(_ host: String, _ path: String, from source: String) async throws -> Int {
                let result = try await s.curl(["--interface", source, "-H", "Host: \(host)", "http://127.0.0.1:\(port)\(path)"])
                return result.status
            }
            #expect(try await status("allow.test", "/echo", from: "127.0.0.2") == 200)
            #expect(try await status("allow.test", "/echo", from: "127.0.0.1") == 403)
            // Refused before the route's redirect is answered.
            #expect(try await status("allow.test", "/moved", from: "127.0.0.1") == 403)
            #expect(try await status("allow.test", "/moved", from: "127.0.0.2") == 301)
            // An empty allow list on the path clears the route's.
            #expect(try await status("allow.test", "/open", from: "127.0.0.1") == 200)
            #expect(try await status("deny.test", "/echo", from: "127.0.0.2") == 403)
            #expect(try await status("deny.test", "/echo", from: "127.0.0.3") == 200)
            // The path's allow list adds to the route's deny, which still comes first.
            #expect(try await status("deny.test", "/both", from: "127.0.0.2") == 403)
            #expect(try await status("deny.test", "/both", from: "127.0.0.4") == 200)

            var refusals: [[String: Any]] = []
            let logged = await eventually(timeout: .seconds(3)) {
                refusals = s.dir.read("access.log").split(separator: "\n").compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }.filter { ($0["status"] as? Int) == 403 }
                return refusals.count == 4
            }
            #expect(logged, "403 lines: \(refusals)")
            #expect(Set(refusals.compactMap { $0["client"] as? String }) == ["127.0.0.1", "127.0.0.2"])
        }
    }
}
