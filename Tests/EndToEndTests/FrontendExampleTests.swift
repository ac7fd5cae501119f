import Foundation
import Testing

/// conf/examples/frontend.yaml, served as written except for addresses and file locations:
/// the single-page app, the API, the https redirect with HSTS, and the WebSocket route to an
/// HTTPS upstream that gets a bearer token from a file which is rotated while apus runs.
@Suite struct FrontendExampleTests {
    @Test(.timeLimit(.endToEnd(3))) func exampleServesTheWholeFrontEnd() async throws {
        try await withScenario(slots: 2) { s in
            let certificates = try await TLSTestCertificates.shared()
            let kubeCertificate = try await certificates.leaf("kubernetes", sans: ["kubernetes.default.svc"])
            let api = try await s.backends(["api-a", "api-b"])
            let kube = try await s.webSocketServer(tls: kubeCertificate)
            let token = try s.dir.write("token", "token-one\n")
            let (http, https, admin) = (try s.port(), try s.port(), try s.port())

            let example = ApusBinary.packageRoot + "/conf/examples"
            var yaml = try String(contentsOfFile: example + "/frontend.yaml", encoding: .utf8)
            let replacements = [
                "0.0.0.0:8080": "127.0.0.1:\(http)", "0.0.0.0:8443": "127.0.0.1:\(https)", "127.0.0.1:9901": "127.0.0.1:\(admin)",
                "../../certs/dev/app.crt": certificates.app.cert, "../../certs/dev/app.key": certificates.app.key,
                "../../certs/dev/wildcard.crt": certificates.wildcard.cert, "../../certs/dev/wildcard.key": certificates.wildcard.key,
                "/var/run/secrets/kubernetes.io/serviceaccount/token": token,
                "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt": certificates.ca,
                "root: spa": "root: \(example)/spa",
                "[127.0.0.1:9001, 127.0.0.1:9002]": "[\(api["api-a"]!.endpoint), \(api["api-b"]!.endpoint)]",
                "[127.0.0.1:6443]": "[\(kube.endpoint)]",
            ]
            for (from, to) in replacements {
                #expect(yaml.contains(from), "the example no longer has \(from)")
                yaml = yaml.replacingOccurrences(of: from, with: to)
            }
            let apus = try await s.apus(yaml, waitFor: [http, https])
            let tls = ["--cacert", certificates.ca, "--resolve", "app.example.test:\(https):127.0.0.1"]
            let base = "https://app.example.test:\(https)"

            // Plain http: a redirect to https.
            let redirect = try await s.curl(["-H", "Host: app.example.test", "http://127.0.0.1:\(http)/pods?x=1"])
            #expect(redirect.status == 308, "\(redirect)")
            #expect(redirect.header("Location") == "https://app.example.test/pods?x=1")

            // The app's shell, for its own path and for a client-side route; assets as files.
            let shell = try await s.curl(tls + ["\(base)/"])
            #expect(shell.status == 200, "\(shell)")
            #expect(shell.bodyText.contains("<title>Apus example app</title>"))
            #expect(shell.header("Strict-Transport-Security") == "max-age=31536000")
            let deepLink = try await s.curl(tls + ["\(base)/deployments/web/logs"])
            #expect(deepLink.status == 200)
            #expect(deepLink.body == shell.body)
            let script = try await s.curl(tls + ["\(base)/app.js"])
            #expect(script.status == 200)
            #expect(script.header("Content-Type")?.hasPrefix("text/javascript") == true || script.header("Content-Type")?.hasPrefix("application/javascript") == true)

            // The API, balanced over both pods.
            var seen = Set<String>()
            for _ in 0..<4 {
                let reply = try await s.curl(tls + ["\(base)/api/echo"])
                #expect(reply.status == 200, "\(reply)")
                let echo = try EchoReply(Array(reply.body))
                #expect(echo.path == "/api/echo")
                #expect(echo.header("X-Forwarded-Proto") == "https")
                seen.insert(echo.backend)
            }
            #expect(seen == ["api-a", "api-b"])

            // WebSocket to the HTTPS upstream, verified as kubernetes.default.svc, with the token.
            let url = "wss://app.example.test:\(https)/k8s/api/v1/pods?watch=1"
            let echo = try await s.webSocketClient(url, "echo", trustedCA: certificates.ca, connectHost: "127.0.0.1")
            #expect(echo["ok"] as? Bool == true, "\(echo)")
            #expect(kube.opens.first == "/k8s/api/v1/pods?watch=1 Bearer token-one", "\(kube.opens)")

            // Kubernetes rotates the token: the next connection carries the new one, no reload.
            try s.dir.write("token", "token-two\n")
            let rotated = await eventually(timeout: .seconds(10)) {
                _ = try? await s.webSocketClient(url, "ping", trustedCA: certificates.ca, connectHost: "127.0.0.1")
                return kube.opens.last?.hasSuffix("Bearer token-two") == true
            }
            #expect(rotated, "\(kube.opens)")
            #expect(!apus.stderrTail(200).contains("token-"), "a token reached the log")
        }
    }
}
