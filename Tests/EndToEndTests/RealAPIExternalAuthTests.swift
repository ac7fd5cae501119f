import Foundation
import Testing

/// ingress-nginx's `auth-url` family with `apus controller` against a real kube-apiserver:
/// the auth service decides, its listed fields reach the upstream, a 401 becomes the
/// sign-in redirect, and the fields of `auth-proxy-set-headers` (a ConfigMap, through the
/// controller's ConfigMap watch) reach the service.
@Suite struct RealAPIExternalAuthTests {
    @Test(.timeLimit(.endToEnd(4))) func theServiceDecides() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let app = try await s.backend("a1", in: net)
            let auth = try await s.authService()
            try await api.seed(services: ["app": [app]])
            try await api.create(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "auth-fields", "namespace": "demo"],
                                  "data": ["X-Tenant": "shop-$host"]])
            let ingress = KubeObject.ingress("shop", host: "shop.test", paths: [("/", "Prefix", "app", "http")], annotations: [
                "nginx.ingress.kubernetes.io/auth-url": "http://127.0.0.1:\(auth)/verify",
                "nginx.ingress.kubernetes.io/auth-signin": "https://login.example.test/start",
                "nginx.ingress.kubernetes.io/auth-response-headers": "X-Auth-User",
                "nginx.ingress.kubernetes.io/auth-proxy-set-headers": "auth-fields",
            ])
            try await api.create(ingress)
            let controller = try await ControllerUnderTest.startReady(s, kubeconfig: kubeconfig)
            func get(_ token: String?) async throws -> HTTPResponse {
                try await HTTPClient.request(port: controller.port, path: "/echo", host: "shop.test",
                                             headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [])
            }

            #expect(try await eventually(timeout: .seconds(10)) { try await get("good").status == 200 }, "stderr:\n\(controller.apus.stderrTail())")
            #expect(try EchoReply(try await get("good").body).header("X-Auth-User") == "alice")
            let anonymous = try await get(nil)
            #expect(anonymous.status == 302)
            // ingress-nginx's rd: $pass_access_scheme://$http_host$escaped_request_uri.
            #expect(anonymous.header("Location") == "https://login.example.test/start?rd=http://shop.test%2Fecho")
            #expect(try await get("forbidden").status == 403)
            let seen = try await s.requestsSeen(port: auth)
            #expect(seen.contains { $0.headers["x-tenant"] == "shop-shop.test" && $0.headers["x-original-url"] == "http://shop.test/echo" }, "\(seen.map(\.headers))")
        }
    }
}
