import Foundation
import Testing

/// `apus migrate --kubeconfig` against a real kube-apiserver: the Ingresses, their class,
/// the ingress-nginx ConfigMap and the Secrets annotations name are read from the cluster
/// (as an administrator's kubeconfig allows), judged as from files, and `--write` writes
/// the Ingresses that can move without ever writing or printing a Secret.
@Suite struct RealAPIMigrateTests {
    @Test(.timeLimit(.endToEnd(4))) func readsTheClusterAndWritesWhatCanMove() async throws {
        try await withScenario(slots: 2) { s in
            let api = try await s.realKubeAPI()
            let admin = try s.dir.write("kubeconfig-admin", """
            apiVersion: v1
            kind: Config
            current-context: admin
            contexts: [{ name: admin, context: { cluster: real, user: admin } }]
            clusters: [{ name: real, cluster: { server: "https://127.0.0.1:\(api.port)", certificate-authority: \(api.rig)/pki/ca.crt } }]
            users: [{ name: admin, user: { client-certificate: \(api.rig)/pki/admin.crt, client-key: \(api.rig)/pki/admin.key } }]
            """)
            let hash = "$apr1$rP8Xc0Ue$fwBJI2YnUtEnPOMUNnua1."
            func ingress(_ name: String, annotations: [String: String]) -> [String: Any] {
                var object = KubeObject.ingress(name, namespace: "shop", host: "\(name).example.test", paths: [("/", "Prefix", "app", "http")], annotations: annotations)
                var spec = object["spec"] as! [String: Any]
                spec["ingressClassName"] = "nginx"
                object["spec"] = spec
                return object
            }
            try await api.create([
                KubeObject.namespace("shop"), KubeObject.namespace("ingress-nginx"),
                KubeObject.ingressClass("nginx", controller: "k8s.io/ingress-nginx"),
                ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "ingress-nginx-controller", "namespace": "ingress-nginx"],
                 "data": ["use-forwarded-headers": "true", "custom-http-errors": "404,503"]],
                ["apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": ["name": "basic-auth", "namespace": "shop"],
                 "data": ["auth": Data("alice:\(hash)\n".utf8).base64EncodedString()]],
                ingress("web", annotations: ["nginx.ingress.kubernetes.io/auth-type": "basic", "nginx.ingress.kubernetes.io/auth-secret": "basic-auth",
                                             "nginx.ingress.kubernetes.io/rewrite-target": "/"]),
                ingress("mirrored", annotations: ["nginx.ingress.kubernetes.io/mirror-target": "https://mirror.test$request_uri"]),
            ])

            let written = s.dir.file("migrated")
            let run = try await ApusProcess.runToCompletion(["migrate", "--kubeconfig", admin, "--format", "json", "--write", written], in: s.dir)
            #expect(run.exit == .code(1), "request mirroring cannot migrate yet: \(run.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)\n\(run.stderr)")
            var verdicts: [String: String] = [:]
            for entry in report["ingresses"] as? [[String: Any]] ?? [] { verdicts[entry["ingress"] as? String ?? ""] = entry["verdict"] as? String }
            #expect(verdicts == ["shop/web": "equivalent", "shop/mirrored": "cannot migrate yet"], "\(verdicts)")
            let keys = (report["configMap"] as? [String: Any])?["keys"] as? [[String: Any]] ?? []
            #expect(keys.contains { $0["key"] as? String == "custom-http-errors" && $0["becomes"] as? String == "--custom-http-errors 404,503" })

            let ingresses = try String(contentsOfFile: "\(written)/ingresses.yaml", encoding: .utf8)
            let documents = ingresses.components(separatedBy: "---\n")
            #expect(documents.first { $0.contains("name: \"web\"") }?.contains("ingressClassName: apus") == true, "\(ingresses)")
            #expect(documents.first { $0.contains("name: \"mirrored\"") }?.contains("ingressClassName: \"nginx\"") == true, "\(ingresses)")
            #expect(!ingresses.contains("resourceVersion") && !ingresses.contains("managedFields"), "no state of the old cluster")
            #expect(FileManager.default.fileExists(atPath: "\(written)/apus.yaml"))
            let files = try FileManager.default.contentsOfDirectory(atPath: written)
            #expect(!files.contains { $0.contains("secret") }, "\(files)")
            for text in [run.stdout, run.stderr] + files.map({ (try? String(contentsOfFile: "\(written)/\($0)", encoding: .utf8)) ?? "" }) {
                #expect(!text.contains(hash) && !text.contains(Data("alice:\(hash)\n".utf8).base64EncodedString()), "a Secret's data was printed or written")
            }
            // The written manifests read back: web, now of class apus, has no error (its
            // Service and Secret are the cluster's, not in the file: warnings); the mirrored
            // one is still refused.
            let validate = try await ApusProcess.runToCompletion(["validate", "\(written)/ingressclasses.yaml", "\(written)/ingresses.yaml"], in: s.dir)
            #expect(validate.exit == .code(1), "\(validate.stdout)\(validate.stderr)")
            let web = validate.stdout.split(separator: "\n").filter { $0.contains("Ingress shop/web:") }
            #expect(web.contains { $0.contains("is of class apus") } && !web.contains { $0.contains(": error: ") }, "\(validate.stdout)")
            #expect(validate.stdout.contains("error: Ingress shop/mirrored: annotation nginx.ingress.kubernetes.io/mirror-target:"))
        }
    }
}
