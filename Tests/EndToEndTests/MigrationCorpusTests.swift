import Foundation
import Testing

/// `apus validate` over a corpus of Ingresses written after the use cases of ingress-nginx's
/// documentation (Corpus/ingress-nginx, class nginx as they come): the verdict for each, as
/// the controller would give it with `--ingress-class nginx`. A change of verdict is a
/// change of what migrating teams get, so every one is listed.
@Suite struct MigrationCorpusTests {
    enum Verdict: String { case served, servedWithNotes, refused }

    static let expected: [String: Verdict] = [
        "allowlist": .served, "app-root": .served, "basic-auth-file": .served, "basic-auth-map": .served,
        "cors-default": .served, "cors-origins": .served, "denylist": .served, "docker-registry": .served,
        "header-snippet": .served, "oauth2-proxy": .served, "client-certs": .served, "permanent-redirect": .served, "rewrite-target": .served, "ssl-options": .served,
        "vhost-and-prefix": .served, "grpc-backend": .served, "www-redirect": .served, "cookie-affinity": .served, "consistent-hash": .served, "ewma": .served, "rate-limit": .served,
        // Each with its main Ingress in the same file.
        "canary-by-header": .served, "canary-by-weight": .served,
        // HTTPS backends are not verified (as ingress-nginx);
        // buffering knobs and tracing have no effect; status-based retries are not made.
        "https-backend": .servedWithNotes, "no-buffering": .servedWithNotes,
        "retries": .servedWithNotes, "tracing": .servedWithNotes,
        // httpbin.org does not resolve here (the name is looked up again every 30 s); the
        // error-pages Service is not among the files.
        "external-auth": .servedWithNotes, "custom-errors": .servedWithNotes,
        // A snippet with a location block.
        "location-snippet": .refused,
    ]

    /// Files with other objects than the use cases' Ingresses.
    static let support: Set<String> = ["secrets.yaml", "ingressclass.yaml", "configmap.yaml"]

    @Test(.timeLimit(.endToEnd(3))) func verdictsOfTheCorpus() async throws {
        try await withScenario { s in
            let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus/ingress-nginx").path
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted()
            let run = try await ApusProcess.runToCompletion(
                ["validate", "--format", "json", "--ingress-class", "nginx"] + files.map { "\(directory)/\($0)" }, in: s.dir)
            let findings = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]], "\(run.stdout)")
            var notes: [String: [String]] = [:]
            var errors: [String: [String]] = [:]
            for finding in findings {
                let message = finding["message"] as? String ?? ""
                // Every finding is about one of the corpus's Ingresses (a file that does not
                // parse would hide its Ingress from the verdicts).
                guard message.hasPrefix("Ingress corpus/"), let name = message.split(separator: ":").first?.split(separator: "/").last.map(String.init) else {
                    Issue.record("a finding about no corpus Ingress: \(finding)")
                    continue
                }
                // The corpus has no Services or IngressClass: those findings say nothing of the annotations.
                let code = finding["code"] as? String ?? ""
                if ["service-missing", "upstream-no-endpoints"].contains(code) { continue }
                if finding["severity"] as? String == "error" { errors[name, default: []].append(code) } else { notes[name, default: []].append(code) }
            }
            var verdicts: [String: Verdict] = [:]
            for file in files where !Self.support.contains(file) {
                let name = String(file.dropLast(5))
                verdicts[name] = errors[name] != nil ? .refused : notes[name] != nil ? .servedWithNotes : .served
            }
            for (name, verdict) in Self.expected.sorted(by: { $0.key < $1.key }) {
                #expect(verdicts[name] == verdict, "\(name): \(errors[name] ?? []) \(notes[name] ?? [])")
            }
            #expect(Set(verdicts.keys) == Set(Self.expected.keys))
        }
    }

    /// `apus migrate` on the same corpus: the verdicts agree with validate's (a name that
    /// does not resolve here is the cluster's business, not a note); `--write` moves the
    /// Ingresses that can move to class apus, leaves the others, and writes a controller
    /// config from the ConfigMap that `apus validate` accepts.
    @Test(.timeLimit(.endToEnd(3))) func migrateTheCorpus() async throws {
        try await withScenario { s in
            let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus/ingress-nginx").path
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted()
            let written = s.dir.file("migrated")
            let run = try await ApusProcess.runToCompletion(
                ["migrate", "--format", "json", "--write", written] + files.map { "\(directory)/\($0)" }, in: s.dir)
            #expect(run.exit == .code(1), "some Ingresses cannot migrate yet: \(run.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
            let ingresses = report["ingresses"] as? [[String: Any]] ?? []
            var verdicts: [String: String] = [:]
            for entry in ingresses {
                let name = (entry["ingress"] as? String ?? "").split(separator: "/").last.map(String.init) ?? ""
                verdicts[name] = entry["verdict"] as? String
            }
            for (name, verdict) in Self.expected {
                let wanted = name == "external-auth" || name == "custom-errors" ? "equivalent" : ["served": "equivalent", "servedWithNotes": "equivalent with notes", "refused": "cannot migrate yet"][verdict.rawValue]
                #expect(verdicts[name] == wanted, "\(name)")
            }
            // Each annotation is listed with its row of the compatibility table.
            let auth = try #require(ingresses.first { $0["ingress"] as? String == "corpus/oauth2-proxy" })
            let annotations = auth["annotations"] as? [[String: String]] ?? []
            #expect(annotations.contains { $0["name"] == "nginx.ingress.kubernetes.io/auth-url" && $0["support"] == "same, with a deviation" })
            let summary = report["summary"] as? [String: Int] ?? [:]
            #expect(summary["cannotMigrate"] == Self.expected.values.filter { $0 == .refused }.count)
            // The ConfigMap's keys, mapped or said not to be.
            let keys = (report["configMap"] as? [String: Any])?["keys"] as? [[String: Any]] ?? []
            #expect(keys.contains { $0["key"] as? String == "proxy-body-size" && $0["becomes"] as? String == "limits.max_body_size: 20m" })
            #expect(keys.contains { $0["key"] as? String == "custom-http-errors" && $0["becomes"] as? String == "--custom-http-errors 404,503" })
            #expect(keys.contains { $0["key"] as? String == "load-balance" && $0["becomes"] as? String == "--load-balance ewma" })
            let flags = ["--hsts 'max-age=31536000; includeSubDomains'", "--custom-http-errors 404,503", "--load-balance ewma"]
            #expect(report["controllerFlags"] as? [String] == flags)

            let moved = try String(contentsOfFile: "\(written)/cors-default.yaml", encoding: .utf8)
            #expect(moved.contains("ingressClassName: apus") && !moved.contains("ingressClassName: nginx"))
            let stays = try String(contentsOfFile: "\(written)/location-snippet.yaml", encoding: .utf8)
            #expect(stays.contains("ingressClassName: nginx"))
            // The config, with the dev certificate in place of the pod's, is a valid --config.
            var config = try String(contentsOfFile: "\(written)/apus.yaml", encoding: .utf8)
            #expect(config.contains("trusted_proxies: [\"10.0.0.0/8\", \"192.168.0.0/16\"]") && config.contains("upstream_read: 120s"))
            let certificates = try await TLSTestCertificates.shared()
            config = config.replacingOccurrences(of: "/etc/apus/tls/tls.crt", with: certificates.app.cert)
                .replacingOccurrences(of: "/etc/apus/tls/tls.key", with: certificates.app.key)
            let configPath = try s.dir.write("apus.yaml", config)
            let validated = try await ApusProcess.runToCompletion(["validate", configPath], in: s.dir)
            #expect(validated.exit == .code(0), "\(validated.stdout) \(validated.stderr)")

            // As clusters have it, the class belongs to ingress-nginx's controller: that is
            // the reason to migrate, not a note on each Ingress.
            let theirs = try s.dir.write("ingressclass.yaml", """
            apiVersion: networking.k8s.io/v1
            kind: IngressClass
            metadata: { name: nginx }
            spec: { controller: k8s.io/ingress-nginx }
            """)
            let plain = try await ApusProcess.runToCompletion(["migrate", "\(directory)/cors-default.yaml", theirs], in: s.dir)
            #expect(plain.exit == .code(0) && plain.stdout.contains("Ingress corpus/cors-default: equivalent\n"), "\(plain.stdout)")
            // Without a ConfigMap, ingress-nginx's defaults still add HSTS: migrate says which flag keeps that.
            #expect(plain.stdout.contains("controller flags (no ConfigMap was read, so ingress-nginx's defaults): --hsts 'max-age=31536000; includeSubDomains'\n"))
            // The flags migrate prints are ones the binary takes; a wrong value is refused with the reason.
            let withFlags = try await ApusProcess.runToCompletion(
                ["validate", "--hsts", "max-age=31536000; includeSubDomains", "--custom-http-errors", "404,503", "\(directory)/cors-default.yaml", theirs], in: s.dir)
            #expect(withFlags.exit == .code(0), "\(withFlags.stdout) \(withFlags.stderr)")
            let wrong = try await ApusProcess.runToCompletion(["validate", "--hsts", "max-age=1y", "\(directory)/cors-default.yaml"], in: s.dir)
            #expect(wrong.exit == .code(2) && wrong.stderr.contains("--hsts wants a Strict-Transport-Security value or off: 'max-age=1y' is not a Strict-Transport-Security value: max-age '1y' is not a number of seconds"), "\(wrong.stderr)")
        }
    }
}

