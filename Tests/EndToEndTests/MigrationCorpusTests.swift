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
        "header-snippet": .served, "oauth2-proxy": .served, "permanent-redirect": .served, "rewrite-target": .served, "ssl-options": .served,
        "vhost-and-prefix": .served, "www-redirect": .served,
        // ewma is served as least connections; HTTPS backends are not verified (as ingress-nginx);
        // buffering knobs and tracing have no effect; status-based retries are not made.
        "ewma": .servedWithNotes, "https-backend": .servedWithNotes, "no-buffering": .servedWithNotes,
        "retries": .servedWithNotes, "tracing": .servedWithNotes,
        // httpbin.org does not resolve here (the name is looked up again every 30 s).
        "external-auth": .servedWithNotes,
        // Not implemented yet (issues 13, 14 and 15), or a snippet with a location block.
        "canary-by-header": .refused, "canary-by-weight": .refused, "client-certs": .refused, "consistent-hash": .refused,
        "cookie-affinity": .refused, "custom-errors": .refused, "grpc-backend": .refused,
        "location-snippet": .refused, "rate-limit": .refused,
    ]

    @Test(.timeLimit(.minutes(3))) func verdictsOfTheCorpus() async throws {
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
            for file in files where file != "secrets.yaml" && file != "ingressclass.yaml" {
                let name = String(file.dropLast(5))
                verdicts[name] = errors[name] != nil ? .refused : notes[name] != nil ? .servedWithNotes : .served
            }
            for (name, verdict) in Self.expected.sorted(by: { $0.key < $1.key }) {
                #expect(verdicts[name] == verdict, "\(name): \(errors[name] ?? []) \(notes[name] ?? [])")
            }
            #expect(Set(verdicts.keys) == Set(Self.expected.keys))
        }
    }
}
