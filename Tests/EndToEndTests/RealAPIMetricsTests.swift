import Foundation
import Testing

/// `/metrics` of `apus controller` against a real kube-apiserver, read with Prometheus's
/// Python parser: requests carry the Ingress's namespace, name and Service (the labels
/// ingress-nginx's dashboards group by), a canary Ingress's share carries `canary`, the
/// TLS Secret's expiry is there per host, and the controller's syncs are timed.
@Suite struct RealAPIMetricsTests {
    @Test(.timeLimit(.endToEnd(4))) func seriesCarryTheIngressAndItsService() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let certificates = try await TLSTestCertificates.shared()
            let stable = try await s.backend("stable", in: net)
            let next = try await s.backend("next", in: net)
            try await api.seed(services: ["app": [stable], "app-next": [next]])
            try await api.create(try KubeObject.tlsSecret("wild-tls", certificates.wildcard))
            let shop = KubeObject.ingress("shop", host: "app.example.test", paths: [("/", "Prefix", "app", "http")],
                                          annotations: ["nginx.ingress.kubernetes.io/ssl-redirect": "false"])
            try await api.create(KubeObject.withTLS(shop, hosts: ["app.example.test"], secret: "wild-tls"))
            try await api.create(KubeObject.ingress("shop-canary", host: "app.example.test", paths: [("/", "Prefix", "app-next", "http")], annotations: [
                "nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary",
            ]))
            let (config, port, tlsPort, admin) = try s.controllerConfigWithTLS(certificates)
            let controller = try await s.apus(arguments: ["controller", "--config", config, "--kubeconfig", kubeconfig], waitFor: [port, tlsPort, admin])
            func who(_ headers: [(String, String)] = []) async throws -> String {
                try await HTTPClient.request(port: port, path: "/", host: "app.example.test", headers: headers).header("X-Backend") ?? "none"
            }
            let served = try await eventually(timeout: .seconds(15)) { try await who([("X-Canary", "always")]) == "next" }
            #expect(served, "stderr:\n\(controller.stderrTail())")
            // Counted from here: a clean start after the first answers.
            try await Task.sleep(for: .milliseconds(1200))
            let before = try await PrometheusScrape.scrape(adminPort: admin, in: s.dir)
            for _ in 0..<12 { #expect(try await who() == "stable") }
            for _ in 0..<5 { #expect(try await who([("X-Canary", "always")]) == "next") }
            try await Task.sleep(for: .milliseconds(1600))
            let after = try await PrometheusScrape.scrape(adminPort: admin, in: s.dir)

            let labels = ["namespace": "demo", "ingress": "shop", "service": "app", "host": "app.example.test", "path": "/", "method": "GET", "status": "200"]
            let main = labels.merging(["canary": ""]) { $1 }
            let canary = labels.merging(["canary": "demo/app-next:80"]) { $1 }
            #expect(after.sum("apus_requests_total", main) - before.sum("apus_requests_total", main) == 12,
                    "\(after.select("apus_requests_total").map(\.labels))")
            #expect(after.sum("apus_requests_total", canary) - before.sum("apus_requests_total", canary) == 5, "\(after.select("apus_requests_total").map(\.labels))")
            #expect(after.sum("apus_upstream_header_duration_seconds_count", main) == after.sum("apus_requests_total", main))

            let expiry = after.select("apus_ssl_certificate_expiry_seconds", ["certificate": "secret demo/wild-tls"])
            let notAfter = try await Self.notAfter(certificates.wildcard.cert, in: s.dir)
            #expect(!expiry.isEmpty && expiry.allSatisfy { $0.value == notAfter }, "\(expiry) vs notAfter \(notAfter)")
            #expect(Set(expiry.compactMap { $0.labels["host"] }).contains("*.example.test"))

            #expect(after.sum("apus_controller_sync_duration_seconds_count") >= 1)
            #expect(after.sum("apus_controller_publish_duration_seconds_count") >= 1)
            #expect(after.sum("apus_controller_sync_duration_seconds_bucket", ["le": "+Inf"]) == after.sum("apus_controller_sync_duration_seconds_count"))
        }
    }

    /// A certificate's notAfter in Unix seconds, as Python's ssl module reads it.
    static func notAfter(_ path: String, in dir: TempDirectory) async throws -> Double {
        let script = "import ssl,sys; print(int(ssl.cert_time_to_seconds(ssl._ssl._test_decode_cert(sys.argv[1])['notAfter'])))"
        let output = try await Tool.run("/usr/bin/env", ["python3", "-c", script, path], in: dir)
        return Double(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
