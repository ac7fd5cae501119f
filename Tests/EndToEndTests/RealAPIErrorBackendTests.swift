import Foundation
import Testing

/// ingress-nginx's `custom-http-errors` with `default-backend`, and the controller's
/// `--default-backend-service`, with `apus controller` against a real kube-apiserver: the
/// error backend is a Service of its own, told about the Ingress, and the controller's
/// default backend answers hosts no Ingress names.
@Suite struct RealAPIErrorBackendTests {
    static func echo(_ response: HTTPResponse) throws -> [String: String] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any], "\(response.bodyText)")
        var headers: [String: String] = ["(backend)": object["backend"] as? String ?? "", "(path)": object["path"] as? String ?? ""]
        for pair in object["headers"] as? [[String]] ?? [] where pair.count == 2 { headers[pair[0].lowercased()] = pair[1] }
        return headers
    }

    @Test(.timeLimit(.endToEnd(4))) func errorsGoToTheDefaultBackendService() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let app = try await s.backend("a1", in: net)
            let errors = try await s.backend("e1", in: net)
            try await api.seed(services: ["app": [app], "errors": [errors]])
            let ingress = KubeObject.ingress("shop", host: "shop.test", paths: [("/", "Prefix", "app", "http")], annotations: [
                "nginx.ingress.kubernetes.io/custom-http-errors": "404,503", "nginx.ingress.kubernetes.io/default-backend": "errors",
            ])
            try await api.create(ingress)
            let controller = try await ControllerUnderTest.startReady(
                s, kubeconfig: kubeconfig, extra: ["--default-backend-service", "demo/errors"])

            let replaced = try await eventually(timeout: .seconds(10)) {
                try await HTTPClient.request(port: controller.port, path: "/status/404", host: "shop.test").status == 200
            }
            #expect(replaced, "stderr:\n\(controller.apus.stderrTail())")
            // The echo of what the error backend received.
            let response = try await HTTPClient.request(
                port: controller.port, path: "/status/404?q=1", host: "shop.test", headers: [("Accept", "text/html")])
            let seen = try Self.echo(response)
            #expect(seen["(backend)"] == "e1")
            #expect(seen["(path)"] == "/")
            #expect(seen["x-code"] == "404")
            #expect(seen["x-format"] == "text/html")
            #expect(seen["x-original-uri"] == "/status/404?q=1")
            #expect(seen["x-namespace"] == "demo")
            #expect(seen["x-ingress-name"] == "shop")
            #expect(seen["x-service-name"] == "app")
            #expect(seen["x-service-port"] == "http")
            // A status not listed is the app's own.
            let other = try await HTTPClient.request(port: controller.port, path: "/status/500", host: "shop.test")
            #expect(other.status == 500)
            #expect(other.bodyText == "status 500\n")
            // A host no Ingress names: the controller's default backend, with the request as sent.
            let stray = try await HTTPClient.request(port: controller.port, path: "/anything", host: "nobody.test")
            #expect(stray.status == 200)
            let straySeen = try Self.echo(stray)
            #expect(straySeen["(backend)"] == "e1")
            #expect(straySeen["(path)"] == "/anything")
            #expect(straySeen["x-code"] == nil)
        }
    }
}
