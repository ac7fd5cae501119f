import Foundation
import Testing

/// ingress-nginx's canary Ingress with `apus controller` against a real kube-apiserver: the
/// canary's Service takes the requests its header and weight claim on the main Ingress's
/// path, the split is exact on one worker, and deleting the canary gives everything back.
@Suite struct RealAPICanaryTests {
    @Test(.timeLimit(.endToEnd(4))) func canaryIngressSharesTheMainPath() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let stable = try await s.backend("stable", in: net)
            let next = try await s.backend("next", in: net)
            try await api.seed(services: ["app": [stable], "app-next": [next]])
            try await api.create(KubeObject.ingress("shop", host: "shop.test", paths: [("/", "Prefix", "app", "http")]))
            let canary = KubeObject.ingress("shop-canary", host: "shop.test", paths: [("/", "Prefix", "app-next", "http")], annotations: [
                "nginx.ingress.kubernetes.io/canary": "true",
                "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary",
                "nginx.ingress.kubernetes.io/canary-weight": "25",
            ])
            try await api.create(canary)
            let controller = try await ControllerUnderTest.startReady(s, kubeconfig: kubeconfig)
            func who(_ headers: [(String, String)] = []) async throws -> String {
                try await HTTPClient.request(port: controller.port, path: "/", host: "shop.test", headers: headers).header("X-Backend") ?? "none"
            }

            let merged = try await eventually(timeout: .seconds(10)) { try await who([("X-Canary", "always")]) == "next" }
            #expect(merged, "stderr:\n\(controller.apus.stderrTail())")
            #expect(try await who([("X-Canary", "never")]) == "stable")
            var answers: [String] = []
            for _ in 0..<40 { answers.append(try await who()) }
            #expect(answers.filter { $0 == "next" }.count == 10, "25 % of 40 on one worker: \(answers)")

            try await api.delete("/apis/networking.k8s.io/v1/namespaces/demo/ingresses/shop-canary")
            let restored = try await eventually(timeout: .seconds(10)) { try await who([("X-Canary", "always")]) == "stable" }
            #expect(restored, "without the canary Ingress every request is the main Ingress's")
        }
    }
}
