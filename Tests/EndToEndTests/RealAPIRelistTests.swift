import Foundation
import Testing

/// A real kube-apiserver compacted and restarted under a running controller: every watch is
/// cut, resuming from the old resourceVersions is answered 410, the informers relist, and
/// traffic never notices.
@Suite struct RealAPIRelistTests {
    @Test(.timeLimit(.endToEnd(4))) func compactionAndRestartRelistWithoutDroppingRoutes() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let a1 = try await s.backend("a1", in: net)
            let a2 = try await s.backend("a2", in: net)
            try await api.seed(services: ["a": [a1]])
            let controller = try await ControllerUnderTest.startReady(s, kubeconfig: kubeconfig)
            #expect(try await controller.who("app.test", "/a") == "a1")
            // History the compaction removes: revisions after the controller's lists.
            for index in 1...5 {
                try await api.create(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "filler-\(index)", "namespace": "demo"]])
            }

            let stop = Locked<Bool>(false)
            async let probing = ControllerResilienceTests.probe(controller, expected: "a1", stop: stop)
            try await Task.sleep(for: .milliseconds(300))
            try await api.compactAndRestart()
            let relisted = await eventually(timeout: .seconds(40)) {
                controller.apus.stderr.contains("resourceVersion expired; relisting")
            }
            try await Task.sleep(for: .seconds(1))
            stop.withLock { $0 = true }
            let (total, failed) = await probing
            #expect(relisted, "a 410 after the compaction makes the informers relist; stderr:\n\(controller.apus.stderrTail())")
            #expect(failed.isEmpty && total > 20, "\(failed.count) of \(total) requests failed around the restart: \(failed.prefix(5))")
            #expect(try await HTTPClient.request(port: controller.admin, path: "/readyz").status == 200)

            try await api.replace(KubeObject.endpointSlice("a-a1", service: "a", address: net.address, port: a2.port))
            #expect(try await eventually(timeout: .seconds(20)) { try await controller.who("app.test", "/a") == "a2" },
                    "watching again after the relist; stderr:\n\(controller.apus.stderrTail())")
        }
    }
}
