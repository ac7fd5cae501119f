import Foundation
import Testing

/// ingress-nginx's limit-rps with `apus controller --limit-req-status-code 429` against a
/// real kube-apiserver: the Ingress's paths share one count, answered 429 with Retry-After.
@Suite struct RealAPIRateLimitTests {
    @Test(.timeLimit(.endToEnd(4))) func limitRpsSharedByTheIngressPaths() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let app = try await s.backend("app", in: net)
            try await api.seed(services: ["app": [app]])
            try await api.create(KubeObject.ingress("limited", host: "limited.test", paths: [("/a", "Prefix", "app", "http"), ("/b", "Prefix", "app", "http")],
                                                    annotations: ["nginx.ingress.kubernetes.io/limit-rps": "1",
                                                                  "nginx.ingress.kubernetes.io/limit-burst-multiplier": "2"]))
            let controller = try await ControllerUnderTest.startReady(s, kubeconfig: kubeconfig, extra: ["--limit-req-status-code", "429"])
            let ready = try await eventually(timeout: .seconds(10)) {
                try await HTTPClient.request(port: controller.port, path: "/a", host: "limited.test").header("X-Backend") == "app"
            }
            #expect(ready, "stderr:\n\(controller.apus.stderrTail())")
            // Whatever the probes counted drains in 3 s; then one and a burst of 2, shared by /a and /b.
            try await Task.sleep(for: .seconds(3))
            var answers: [Int] = []
            var retryAfter: String?
            for path in ["/b", "/a", "/b", "/a", "/b"] {
                let response = try await HTTPClient.request(port: controller.port, path: path, host: "limited.test")
                answers.append(response.status)
                if response.status == 429 { retryAfter = response.header("Retry-After") }
            }
            #expect(answers == [200, 200, 200, 429, 429], "\(answers)")
            #expect(retryAfter == "1", "\(String(describing: retryAfter))")
        }
    }
}
