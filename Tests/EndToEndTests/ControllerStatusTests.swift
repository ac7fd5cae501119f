import Foundation
import Testing

/// Ingress status and leader election with two `apus controller` replicas against the API
/// test server: one holds the Lease and writes `status.loadBalancer` once; on SIGTERM it
/// releases the Lease and the other takes over at once; an Ingress that stops being ours
/// has our addresses cleared.
@Suite struct ControllerStatusTests {
    static let leasePath = "/apis/coordination.k8s.io/v1/namespaces/apus-system/leases/apus-leader"
    static let statusArguments = ["--publish-address", "203.0.113.7,LB.example.test", "--election-namespace", "apus-system", "--election-id", "apus-leader"]

    static func get(_ api: KubeAPIServer, _ path: String) async throws -> [String: Any]? {
        let response = try await HTTPClient.request(port: api.port, path: path)
        guard response.status == 200 else { return nil }
        return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
    }

    static func holder(_ api: KubeAPIServer) async throws -> String? {
        let spec = try await get(api, leasePath)?["spec"] as? [String: Any]
        return spec?["holderIdentity"] as? String
    }

    static func status(_ api: KubeAPIServer, _ name: String) async throws -> [[String: String]] {
        let object = try await get(api, "/apis/networking.k8s.io/v1/namespaces/demo/ingresses/\(name)")
        let loadBalancer = (object?["status"] as? [String: Any])?["loadBalancer"] as? [String: Any]
        return loadBalancer?["ingress"] as? [[String: String]] ?? []
    }

    static let published: [[String: String]] = [["ip": "203.0.113.7"], ["hostname": "lb.example.test"]]

    @Test(.timeLimit(.minutes(3))) func leaderWritesStatusAndHandsOver() async throws {
        try await withScenario { s in
            let api = try await s.kubeAPI()
            let backend = try await s.backend("web")
            try await api.seed(services: ["web": [backend]])
            // Labels and annotations that a status write must leave alone (the server stores
            // the metadata an update carries, as a real one does).
            var labelled = try #require(try await Self.get(api, "/apis/networking.k8s.io/v1/namespaces/demo/ingresses/web"))
            labelled["metadata"] = ["name": "web", "namespace": "demo", "labels": ["team": "checkout"],
                                    "annotations": ["nginx.ingress.kubernetes.io/proxy-body-size": "8m"]]
            try await api.apply(labelled)
            let first = try await ControllerUnderTest.start(s, api: api, extra: Self.statusArguments)
            let second = try await ControllerUnderTest.start(s, api: api, extra: Self.statusArguments)
            let firstReady = try await first.waitReady()
            let secondReady = try await second.waitReady()
            #expect(firstReady && secondReady)

            // One holder, one of the two (identity hostname-pid without POD_NAME).
            var leaderIdentity: String?
            #expect(try await eventually(timeout: .seconds(10)) {
                leaderIdentity = try await Self.holder(api)
                return leaderIdentity != nil
            })
            let pids = [first.apus.pid, second.apus.pid]
            let leaderIndex = try #require(pids.firstIndex { leaderIdentity?.hasSuffix("-\($0)") == true }, "holder \(leaderIdentity ?? "none") is not \(pids)")
            let (leader, follower) = leaderIndex == 0 ? (first, second) : (second, first)
            let lease = try #require(try await Self.get(api, Self.leasePath)?["spec"] as? [String: Any])
            #expect(lease["leaseDurationSeconds"] as? Int == 15)
            #expect((lease["renewTime"] as? String)?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"#, options: .regularExpression) != nil, "\(lease)")

            // The status: our addresses, canonical order, written exactly once by the leader.
            #expect(try await eventually(timeout: .seconds(10)) { try await Self.status(api, "web") == Self.published })
            try await Task.sleep(for: .seconds(3))  // a renew period and then some: no rewrite, no competing writer
            let writes = try await api.requests().filter { $0.method == "PATCH" && $0.path.hasSuffix("/ingresses/web/status") }
            #expect(writes.count == 1, "\(writes)")
            let metadata = try await Self.get(api, "/apis/networking.k8s.io/v1/namespaces/demo/ingresses/web")?["metadata"] as? [String: Any]
            #expect(metadata?["labels"] as? [String: String] == ["team": "checkout"]
                    && metadata?["annotations"] as? [String: String] == ["nginx.ingress.kubernetes.io/proxy-body-size": "8m"], "\(metadata ?? [:])")

            // SIGTERM: the leader releases, the follower takes over well before the 15 s lease would run out.
            let stoppedAt = ContinuousClock.now
            let exit = await leader.apus.terminate()
            #expect(exit == .code(0))
            #expect(try await eventually(timeout: .seconds(8)) {
                try await Self.holder(api)?.hasSuffix("-\(follower.apus.pid)") == true
            })
            #expect(ContinuousClock.now - stoppedAt < .seconds(8))
            let transitions = (try await Self.get(api, Self.leasePath)?["spec"] as? [String: Any])?["leaseTransitions"] as? Int
            #expect(transitions == 1)

            // The Ingress stops being ours: the new leader clears our addresses.
            var ingress = try #require(try await Self.get(api, "/apis/networking.k8s.io/v1/namespaces/demo/ingresses/web"))
            var spec = ingress["spec"] as? [String: Any] ?? [:]
            spec["ingressClassName"] = "other"
            ingress["spec"] = spec
            try await api.apply(ingress)
            #expect(try await eventually(timeout: .seconds(15)) { try await Self.status(api, "web").isEmpty })
        }
    }

    /// Without --publish-* nothing is elected and no status is written (no Lease requests at all).
    @Test(.timeLimit(.minutes(3))) func noPublishNoElection() async throws {
        try await withScenario { s in
            let api = try await s.kubeAPI()
            let backend = try await s.backend("web")
            try await api.seed(services: ["web": [backend]])
            let controller = try await ControllerUnderTest.start(s, api: api)
            #expect(try await controller.waitReady())
            try await Task.sleep(for: .seconds(3))
            let requests = try await api.requests()
            #expect(!requests.contains { $0.path.contains("/leases") || $0.path.hasSuffix("/status") }, "\(requests)")
            #expect(try await Self.status(api, "web").isEmpty)
        }
    }
}
