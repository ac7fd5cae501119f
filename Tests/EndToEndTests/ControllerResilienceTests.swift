import Foundation
import Testing

/// The API server going away, compacting, refusing, as only the API test server can be made to on
/// demand (changes made while the API is unreachable, an ERROR 410 event inside an open watch, a
/// token that turns invalid): traffic keeps flowing on the last table, the controller says what is
/// wrong, and catches up when the server is back. The real server's side: RealAPI*Tests.
@Suite struct ControllerResilienceTests {
    /// Requests to /a, one after another, until `stop` is set or the task is cancelled (a test
    /// that throws cancels it on its way out; waiting for `stop` would hang it); counts
    /// answers other than `expected`.
    static func probe(_ controller: ControllerUnderTest, expected: String, stop: Locked<Bool>) async -> (total: Int, failed: [String]) {
        var total = 0
        var failed: [String] = []
        while !stop.withLock({ $0 }) && !Task.isCancelled {
            total += 1
            do {
                let who = try await controller.who("app.test", "/a")
                if who != expected { failed.append(who) }
            } catch {
                failed.append("\(error)")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return (total, failed)
    }

    /// With the API server down, traffic keeps flowing and the failure is logged with the retry; changes
    /// made while it was down are picked up after it comes back.
    @Test(.timeLimit(.endToEnd(3))) func apiOutageKeepsTrafficAndReconnects() async throws {
        try await withScenario { s in
            let api = try await s.kubeAPI()
            let backends = try await s.backends(["a1", "c1"])
            try await api.seed(services: ["a": [backends["a1"]!]])
            let controller = try await ControllerUnderTest.start(s, api: api)
            #expect(try await controller.waitReady())
            #expect(try await controller.who("app.test", "/a") == "a1")

            try await api.stopListening()
            let stop = Locked<Bool>(false)
            async let probing = Self.probe(controller, expected: "a1", stop: stop)
            let logged = await eventually(timeout: .seconds(10)) {
                controller.apus.stderr.contains("Kubernetes API request failed; the last routes keep serving")
            }
            // Changes while the server is down: a new Service and path.
            try await api.apply([KubeObject.service("c"), KubeObject.endpointSlice("c-c1", service: "c", port: backends["c1"]!.port),
                                 KubeObject.ingress("web", host: "app.test", paths: [("/a", "Prefix", "a", "http"), ("/c", "Prefix", "c", "http")])])
            try await Task.sleep(for: .seconds(2))
            stop.withLock { $0 = true }
            let (total, failed) = await probing
            #expect(logged, "the outage is logged; stderr:\n\(controller.apus.stderrTail())")
            #expect(failed.isEmpty && total > 20, "\(failed.count) of \(total) requests failed during the outage: \(failed.prefix(5))")
            #expect(try await HTTPClient.request(port: controller.admin, path: "/readyz").status == 200, "an outage does not make a synced controller unready")
            #expect(controller.apus.stderr.contains("cannot connect to the Kubernetes API at 127.0.0.1:\(api.port)"), "names the server and the errno text")

            try await api.startListening()
            let caughtUp = try await eventually(timeout: .seconds(40)) { try await controller.who("app.test", "/c") == "c1" }
            #expect(caughtUp, "changes made during the outage are served after reconnecting; stderr:\n\(controller.apus.stderrTail())")
            #expect(controller.apus.stderr.contains("Kubernetes API reachable again"))
        }
    }

    /// A compaction (410 Gone on the open watches and on resuming) makes the informers relist; the
    /// routes keep serving during the relist and a change made just before is picked up.
    @Test(.timeLimit(.endToEnd(3))) func expiredWatchRelistsWithoutDroppingRoutes() async throws {
        try await withScenario { s in
            let api = try await s.kubeAPI()
            let backends = try await s.backends(["a1", "a2"])
            try await api.seed(services: ["a": [backends["a1"]!]])
            let controller = try await ControllerUnderTest.start(s, api: api)
            #expect(try await controller.waitReady())
            let listsBefore = try await api.requests().filter { !$0.path.contains("watch=1") }.count

            let stop = Locked<Bool>(false)
            async let probing = Self.probe(controller, expected: "a1", stop: stop)
            try await Task.sleep(for: .milliseconds(300))
            try await api.expire()
            let relisted = try await eventually(timeout: .seconds(10)) {
                try await api.requests().filter { !$0.path.contains("watch=1") }.count >= listsBefore + 5
            }
            try await Task.sleep(for: .seconds(1))
            stop.withLock { $0 = true }
            let (total, failed) = await probing
            #expect(relisted, "every informer relists after 410; stderr:\n\(controller.apus.stderrTail())")
            #expect(failed.isEmpty && total > 10, "\(failed.count) of \(total) requests failed around the relist: \(failed.prefix(5))")
            #expect(controller.apus.stderr.contains("resourceVersion expired; relisting"))

            try await api.apply(KubeObject.endpointSlice("a-a1", service: "a", port: backends["a2"]!.port))
            #expect(try await eventually(timeout: .seconds(5)) { try await controller.who("app.test", "/a") == "a2" }, "watching again after the relist")
        }
    }

    /// A token file that is rejected (401) is re-read when it changes (projected tokens rotate); no log
    /// line ever contains either token, even at debug level.
    @Test(.timeLimit(.endToEnd(3))) func rotatedTokenFileIsRereadAndNeverLogged() async throws {
        try await withScenario { s in
            let api = try await s.kubeAPI()
            let backend = try await s.backend("a1")
            try await api.seed(services: ["a": [backend]])
            let (good, stale) = ("good-token-7f3a9c", "stale-token-1b2d4e")
            try await api.requireToken(good)
            let tokenFile = try s.dir.write("token", stale + "\n")
            let kubeconfig = try s.dir.write("kubeconfig-file-token", """
            apiVersion: v1
            kind: Config
            current-context: test
            contexts: [{ name: test, context: { cluster: api, user: apus } }]
            clusters: [{ name: api, cluster: { server: "http://127.0.0.1:\(api.port)" } }]
            users: [{ name: apus, user: { tokenFile: \(tokenFile) } }]
            """)
            let controller = try await ControllerUnderTest.start(s, api: api, kubeconfig: kubeconfig, extra: ["--log-level", "debug"])
            let refused = await eventually(timeout: .seconds(10)) { controller.apus.stderr.contains("401 Unauthorized") }
            #expect(refused, "stderr:\n\(controller.apus.stderrTail())")
            // Rotation the way the kubelet does it: a new file renamed over the old one.
            let next = try s.dir.write("token.next", good + "\n")
            #expect(rename(next, tokenFile) == 0)
            #expect(try await controller.waitReady(timeout: .seconds(40)), "the rotated token is used; stderr:\n\(controller.apus.stderrTail())")
            #expect(try await controller.who("app.test", "/a") == "a1")
            let log = controller.apus.stderr + controller.apus.stdout
            #expect(!log.contains(good) && !log.contains(stale), "a token appears in the log")
        }
    }
}
