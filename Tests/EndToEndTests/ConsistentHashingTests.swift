import Foundation
import Testing

/// Consistent hashing (`hash_by:` on an upstream, ingress-nginx's `upstream-hash-by`) with
/// `apus serve` against real Python upstreams.
@Suite struct ConsistentHashingTests {
    static func config(port: Int, backends: [PythonBackend], marker: String, workers: String = "1") -> String {
        ApusConfig.yaml(listen: port, workers: workers, body: """
        routes:
          - paths:
              \(ApusConfig.markerPath(marker))
          - host: h.test
            paths:
              - { path: /, upstream: byUser }
              - { path: /mixed, upstream: mixed }
              - { path: /client, upstream: byClient }
        upstreams:
          byUser: { endpoints: [\(backends.map(\.endpoint).joined(separator: ", "))], hash_by: "$arg_user" }
          mixed: { endpoints: [\(backends.map(\.endpoint).joined(separator: ", "))], hash_by: "$http_x_tenant-$cookie_region" }
          byClient: { endpoints: [\(backends.map(\.endpoint).joined(separator: ", "))], hash_by: "$remote_addr" }
        """)
    }

    static func who(port: Int, path: String, headers: [(String, String)] = []) async throws -> String {
        let response = try await HTTPClient.request(port: port, path: path, host: "h.test", headers: headers)
        return response.header("X-Backend") ?? "status \(response.status)"
    }

    /// 300 users over three endpoints on two workers: each user always reaches one endpoint,
    /// whichever worker takes the connection. A fourth endpoint takes about a quarter of the
    /// users, all for itself; the fraction is printed.
    @Test(.timeLimit(.endToEnd(4))) func keysStayPutAndAnEndpointAddedTakesItsShare() async throws {
        try await withScenario { s in
            let b = try await s.backends(["a", "b", "c", "d"])
            let port = try s.port()
            let three = [b["a"]!, b["b"]!, b["c"]!]
            let apus = try await s.apus(Self.config(port: port, backends: three, marker: "3", workers: "2"), waitFor: [port])
            var placed: [String: String] = [:]
            for user in 0..<300 { placed["u\(user)"] = try await Self.who(port: port, path: "/items?user=u\(user)&page=1") }
            let spread = Dictionary(grouping: placed.values, by: { $0 }).mapValues(\.count)
            #expect(Set(spread.keys) == ["a", "b", "c"] && spread.values.allSatisfy { $0 >= 60 }, "each of three holds at least 60 of 300: \(spread)")
            for user in 0..<60 {
                #expect(try await Self.who(port: port, path: "/other?page=2&USER=u\(user)") == placed["u\(user)"], "the same key, the same endpoint, on either worker")
            }
            #expect(try await apus.reload(Self.config(port: port, backends: three + [b["d"]!], marker: "4", workers: "2"), untilMarker: "4", port: port))
            var moved = 0
            for (user, backend) in placed {
                let now = try await Self.who(port: port, path: "/items?user=\(user)")
                #expect(now == backend || now == "d", "keys move only to the new endpoint")
                if now != backend { moved += 1 }
            }
            print("consistent hashing: adding a 4th endpoint remapped \(moved) of 300 keys (\(Double(moved) / 3) %, ideal 25 %)")
            #expect((30...120).contains(moved), "about a quarter of the keys move: \(moved) of 300")
        }
    }

    /// Keys of several variables; `$remote_addr` puts one client on one endpoint; a request
    /// without the variables has the empty key, which also lands on one endpoint.
    @Test(.timeLimit(.endToEnd(3))) func combinedAndClientKeys() async throws {
        try await withScenario { s in
            let b = try await s.backends(["a", "b", "c"])
            let port = try s.port()
            _ = try await s.apus(Self.config(port: port, backends: [b["a"]!, b["b"]!, b["c"]!], marker: "0"), waitFor: [port])
            var tenants: [String: Set<String>] = [:]
            for round in 0..<3 {
                for tenant in 0..<30 {
                    let answer = try await Self.who(port: port, path: "/mixed/\(round)", headers: [("X-Tenant", "t\(tenant)"), ("Cookie", "a=1; region=eu")])
                    tenants["t\(tenant)", default: []].insert(answer)
                }
            }
            #expect(tenants.values.allSatisfy { $0.count == 1 }, "one endpoint per tenant and region: \(tenants)")
            #expect(Set(tenants.values.flatMap { $0 }).count == 3, "tenants spread over every endpoint")
            let client = try await (0..<20).asyncMap { _ in try await Self.who(port: port, path: "/client") }
            #expect(Set(client).count == 1, "one client address, one endpoint: \(client)")
            let keyless = try await (0..<10).asyncMap { _ in try await Self.who(port: port, path: "/mixed") }
            #expect(Set(keyless).count == 1 && ["a", "b", "c"].contains(keyless[0]))
        }
    }

    /// `hash_subset_size: 2` over four endpoints: a key reaches the two endpoints of its
    /// subset, in turn, and no other.
    @Test(.timeLimit(.endToEnd(3))) func subsets() async throws {
        try await withScenario { s in
            let b = try await s.backends(["a", "b", "c", "d"])
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - host: h.test
                paths: [{ path: /, upstream: app }]
            upstreams:
              app: { endpoints: [\(["a", "b", "c", "d"].map { b[$0]!.endpoint }.joined(separator: ", "))], hash_by: "$arg_k", hash_subset_size: 2 }
            """), waitFor: [port])
            var groups: Set<Set<String>> = []
            for key in 0..<12 {
                var seen: Set<String> = []
                for _ in 0..<6 { seen.insert(try await Self.who(port: port, path: "/?k=\(key)")) }
                #expect(seen.count == 2, "key \(key) reaches its subset of two: \(seen)")
                groups.insert(seen)
            }
            #expect(groups.count == 2 && groups.reduce(into: Set<String>()) { $0.formUnion($1) }.count == 4, "two subsets of two, apart: \(groups)")
        }
    }
}

extension Range<Int> {
    func asyncMap<T>(_ transform: (Int) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
