import Foundation
import Testing

/// Ingress status and leader election against a real kube-apiserver, where a write that
/// carries partial metadata erases labels and annotations (the API test server never did):
/// two replicas as the install manifests' ServiceAccount, one Lease, status written by the
/// leader only, and every Ingress and the Lease keeping all of their metadata.
@Suite struct RealAPIStatusTests {
    static let leasePath = "/apis/coordination.k8s.io/v1/namespaces/apus-system/leases/apus-leader"
    static let statusArguments = ["--publish-address", "203.0.113.7,LB.example.test", "--election-namespace", "apus-system", "--election-id", "apus-leader"]
    static let published: [[String: String]] = [["ip": "203.0.113.7"], ["hostname": "lb.example.test"]]
    static let ingresses = "/apis/networking.k8s.io/v1/namespaces/demo/ingresses/"

    /// An Ingress as `kubectl apply` leaves it: labels, annotations and the last-applied copy.
    static func applied(_ name: String, host: String, service: String, className: String = "apus",
                        annotations: [String: String] = [:]) throws -> [String: Any] {
        var object = KubeObject.ingress(name, host: host, paths: [("/", "Prefix", service, "http")])
        var spec = object["spec"] as? [String: Any] ?? [:]
        spec["ingressClassName"] = className
        object["spec"] = spec
        let lastApplied = String(decoding: try JSONSerialization.data(withJSONObject: object, options: .sortedKeys), as: UTF8.self)
        var allAnnotations = annotations
        allAnnotations["kubectl.kubernetes.io/last-applied-configuration"] = lastApplied
        object["metadata"] = ["name": name, "namespace": "demo", "labels": ["app.kubernetes.io/name": name, "team": "checkout"],
                              "annotations": allAnnotations]
        return object
    }

    static func metadata(_ object: [String: Any]?) -> (labels: [String: String], annotations: [String: String]) {
        let metadata = object?["metadata"] as? [String: Any]
        return (metadata?["labels"] as? [String: String] ?? [:], metadata?["annotations"] as? [String: String] ?? [:])
    }

    static func loadBalancer(_ object: [String: Any]?) -> [[String: String]] {
        ((object?["status"] as? [String: Any])?["loadBalancer"] as? [String: Any])?["ingress"] as? [[String: String]] ?? []
    }

    @Test(.timeLimit(.endToEnd(5))) func leaderWritesStatusKeepingMetadataAndHandsOver() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let web = try await s.backend("web", in: net)
            let spare = try await s.backend("spare", in: net)
            try await api.create([KubeObject.namespace("demo"), KubeObject.service("web"),
                                  KubeObject.endpointSlice("web-1", service: "web", address: net.address, port: web.port)])
            // Ours, with annotations Apus honours; ours but with an allow list that must keep the
            // route closed to this client (refused while allow lists are unsupported, a 403
            // once they are: never served); another controller's, which must never be touched.
            let ours = try Self.applied("web", host: "app.test", service: "web",
                                        annotations: ["nginx.ingress.kubernetes.io/ssl-redirect": "false", "nginx.ingress.kubernetes.io/proxy-body-size": "8m"])
            let refused = try Self.applied("refused", host: "refused.test", service: "web",
                                           annotations: ["nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8"])
            let theirs = try Self.applied("theirs", host: "theirs.test", service: "web", className: "nginx")
            try await api.create([ours, refused, theirs])
            var before: [String: (labels: [String: String], annotations: [String: String])] = [:]
            for name in ["web", "refused", "theirs"] { before[name] = Self.metadata(try await api.get(Self.ingresses + name)) }

            let first = try await ControllerUnderTest.startReady(s, kubeconfig: kubeconfig, extra: Self.statusArguments)
            let second = try await ControllerUnderTest.startReady(s, kubeconfig: kubeconfig, extra: Self.statusArguments)
            var leaderIdentity: String?
            #expect(try await eventually(timeout: .seconds(15)) {
                leaderIdentity = (try await api.get(Self.leasePath)?["spec"] as? [String: Any])?["holderIdentity"] as? String
                return leaderIdentity != nil
            })
            let pids = [first.apus.pid, second.apus.pid]
            let leaderIndex = try #require(pids.firstIndex { leaderIdentity?.hasSuffix("-\($0)") == true }, "holder \(leaderIdentity ?? "none") is not \(pids)")
            let (leader, follower) = leaderIndex == 0 ? (first, second) : (second, first)
            // /metrics says who leads, as ingress-nginx's leader_election_status.
            let leaseLabel = ["name": "apus-system/apus-leader"]
            #expect(try await eventually(timeout: .seconds(5)) {
                try await PrometheusScrape.scrape(adminPort: leader.admin, in: s.dir).sum("apus_leader_election_status", leaseLabel) == 1
            })
            #expect(try await PrometheusScrape.scrape(adminPort: follower.admin, in: s.dir).select("apus_leader_election_status", leaseLabel).map(\.value) == [0])

            // Someone labels and annotates the Lease (as kubectl or a policy engine might).
            try await api.patch(Self.leasePath, ["metadata": ["labels": ["owner": "platform"], "annotations": ["note": "do not delete"]]])
            #expect(try await eventually(timeout: .seconds(15)) { Self.loadBalancer(try await api.get(Self.ingresses + "web")) == Self.published },
                    "stderr:\n\(leader.apus.stderrTail())")

            // Publish cycles: endpoints change five times, each served before the next.
            for round in 1...5 {
                let (name, backend) = round % 2 == 1 ? ("spare", spare) : ("web", web)
                try await api.replace(KubeObject.endpointSlice("web-1", service: "web", address: net.address, port: backend.port))
                #expect(try await eventually(timeout: .seconds(10)) { try await leader.who("app.test", "/") == name }, "round \(round)")
            }
            let renewedBefore = (try await api.get(Self.leasePath)?["spec"] as? [String: Any])?["renewTime"] as? String
            try await Task.sleep(for: .seconds(5))  // two renew periods and more: the Lease is written again
            let lease = try await api.get(Self.leasePath)
            #expect((lease?["spec"] as? [String: Any])?["renewTime"] as? String != renewedBefore, "the Lease was renewed meanwhile")
            #expect(Self.metadata(lease).labels["owner"] == "platform" && Self.metadata(lease).annotations["note"] == "do not delete",
                    "the Lease's metadata survives renewals: \(Self.metadata(lease))")

            // Our Ingress: status written, every label and annotation (last-applied too) intact.
            let webNow = try await api.get(Self.ingresses + "web")
            #expect(Self.loadBalancer(webNow) == Self.published)
            #expect(Self.metadata(webNow).labels == before["web"]?.labels && Self.metadata(webNow).annotations == before["web"]?.annotations,
                    "web lost metadata: \(Self.metadata(webNow))")
            // The allow-listed Ingress stays closed and keeps its annotation over all those cycles.
            let refusedAnswers = [try await leader.who("refused.test", "/"), try await follower.who("refused.test", "/")]
            #expect(refusedAnswers.allSatisfy { $0 == "status 404" || $0 == "status 403" }, "\(refusedAnswers)")
            let refusedNow = try await api.get(Self.ingresses + "refused")
            #expect(Self.metadata(refusedNow).annotations == before["refused"]?.annotations && Self.metadata(refusedNow).labels == before["refused"]?.labels,
                    "refused lost metadata: \(Self.metadata(refusedNow))")
            // Another class's Ingress: never written.
            let theirsNow = try await api.get(Self.ingresses + "theirs")
            #expect(Self.loadBalancer(theirsNow).isEmpty && Self.metadata(theirsNow).annotations == before["theirs"]?.annotations)

            // Status by the leader only: the audit log holds one write per Ingress that needed
            // one, all by the controller's ServiceAccount, all accepted.
            let writes = api.auditEvents().filter { $0.uri.contains("/ingresses/") && $0.uri.contains("/status") && ["patch", "update"].contains($0.verb) }
            let webWrites = writes.filter { $0.uri.hasPrefix(Self.ingresses + "web/status") }
            #expect(webWrites.count == 1, "\(writes)")
            #expect(writes.allSatisfy { $0.verb == "patch" && $0.user == "system:serviceaccount:apus-system:apus" && $0.code == 200 }, "\(writes)")

            // SIGTERM: the leader releases, the follower takes over well before the 15 s lease runs out.
            let stoppedAt = ContinuousClock.now
            let exit = await leader.apus.terminate()
            #expect(exit == .code(0))
            #expect(try await eventually(timeout: .seconds(8)) {
                ((try await api.get(Self.leasePath)?["spec"] as? [String: Any])?["holderIdentity"] as? String)?.hasSuffix("-\(follower.apus.pid)") == true
            })
            #expect(ContinuousClock.now - stoppedAt < .seconds(8))
            #expect(try await eventually(timeout: .seconds(5)) {
                try await PrometheusScrape.scrape(adminPort: follower.admin, in: s.dir).sum("apus_leader_election_status", leaseLabel) == 1
            })
            let handedOver = try await api.get(Self.leasePath)
            #expect((handedOver?["spec"] as? [String: Any])?["leaseTransitions"] as? Int == 1)
            #expect(Self.metadata(handedOver).labels["owner"] == "platform", "the release and the take-over keep the Lease's metadata: \(Self.metadata(handedOver))")

            // Our Ingress moves to the other class: the new leader clears our addresses, and
            // the Ingress, now another controller's, keeps its metadata.
            var moved = try #require(try await api.get(Self.ingresses + "web"))
            var spec = moved["spec"] as? [String: Any] ?? [:]
            spec["ingressClassName"] = "nginx"
            moved["spec"] = spec
            try await api.replace(moved)
            #expect(try await eventually(timeout: .seconds(20)) { Self.loadBalancer(try await api.get(Self.ingresses + "web")).isEmpty },
                    "stderr:\n\(follower.apus.stderrTail())")
            let clearedNow = try await api.get(Self.ingresses + "web")
            #expect(Self.metadata(clearedNow).labels == before["web"]?.labels && Self.metadata(clearedNow).annotations == before["web"]?.annotations,
                    "the cleared Ingress lost metadata: \(Self.metadata(clearedNow))")
            let refusals = api.auditEvents().filter { $0.user == "system:serviceaccount:apus-system:apus" && ($0.code == 401 || $0.code == 403) }
            #expect(refusals.isEmpty, "requests refused to the controller's ServiceAccount: \(refusals.prefix(5))")
        }
    }

    /// Without --publish-* nothing is elected and nothing is written: no Lease or status request at all.
    @Test(.timeLimit(.endToEnd(4))) func noPublishNoElection() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let web = try await s.backend("web", in: net)
            try await api.seed(services: ["web": [web]])
            let controller = try await ControllerUnderTest.startReady(s, kubeconfig: kubeconfig)
            #expect(try await controller.who("app.test", "/web") == "web")
            try await Task.sleep(for: .seconds(3))
            let asked = api.auditEvents().filter { $0.user == "system:serviceaccount:apus-system:apus" }
            #expect(asked.contains { $0.verb == "list" }, "the audit log sees the controller")
            #expect(!asked.contains { $0.uri.contains("/leases") || $0.uri.contains("/status") }, "\(asked)")
            #expect(Self.loadBalancer(try await api.get(Self.ingresses + "web")).isEmpty)
        }
    }
}
