import Foundation
import Testing

/// conf/kubernetes/ (the documented install) through the real binary: `apus validate` reads
/// the manifests without an error, and the controller's configuration in the ConfigMap
/// validates once its default certificate exists, made by the Deployment's own init
/// container command.
@Suite struct InstallManifestsValidateTests {
    static let directory = ApusBinary.packageRoot + "/conf/kubernetes"

    static func manifestFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted().map { "\(directory)/\($0)" }
    }

    /// The lines of a YAML block scalar (`key: |`), dedented: the ConfigMap's `apus.yaml`.
    static func blockScalar(_ key: String, in text: String) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "\(key): |" }) else { return nil }
        let keyIndent = lines[start].prefix { $0 == " " }.count
        var body: [Substring] = []
        for line in lines[(start + 1)...] {
            let indent = line.prefix { $0 == " " }.count
            if !line.trimmingCharacters(in: .whitespaces).isEmpty && indent <= keyIndent { break }
            body.append(line)
        }
        let indent = body.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
        return body.map { $0.count >= indent ? String($0.dropFirst(indent)) : "" }.joined(separator: "\n")
    }

    /// The `command:` list (one `- item` per line) that follows `after` in the text.
    static func commandList(after marker: String, in text: String) -> [String] {
        guard let range = text.range(of: marker) else { return [] }
        let lines = text[range.upperBound...].split(separator: "\n").drop { !$0.contains("command:") }.dropFirst()
        return lines.prefix { $0.trimmingCharacters(in: .whitespaces).hasPrefix("- ") }.map { line in
            var item = line.trimmingCharacters(in: .whitespaces).dropFirst(2)
            if item.hasPrefix("\"") && item.hasSuffix("\"") { item = item.dropFirst().dropLast() }
            return String(item)
        }
    }

    /// Every manifest file together: no error (kinds the controller does not follow are skipped,
    /// the IngressClass is read); exit 0.
    @Test(.timeLimit(.endToEnd(3))) func manifestsValidate() async throws {
        try await withScenario { s in
            let files = try Self.manifestFiles()
            #expect(files.count >= 6, "\(files)")
            let run = try await ApusProcess.runToCompletion(["validate"] + files, in: s.dir)
            #expect(run.exit == .code(0), "stdout: \(run.stdout) stderr: \(run.stderr)")
            #expect(!run.stdout.contains("error"), "\(run.stdout)")
        }
    }

    /// The ConfigMap's configuration: the init container's openssl command makes the default
    /// certificate (into a temporary directory standing in for the memory volume), and the
    /// configuration then validates with no error, its HTTPS listener loading that certificate.
    @Test(.timeLimit(.endToEnd(3))) func controllerConfigValidates() async throws {
        try await withScenario { s in
            let tlsDir = s.dir.file("tls")
            try FileManager.default.createDirectory(atPath: tlsDir, withIntermediateDirectories: true)
            let deployment = try String(contentsOfFile: "\(Self.directory)/40-deployment.yaml", encoding: .utf8)
            let command = Self.commandList(after: "name: default-certificate", in: deployment).map {
                $0.replacingOccurrences(of: "/etc/apus/tls", with: tlsDir)
            }
            #expect(command.first == "openssl" && command.contains("-x509"), "\(command)")
            let made = try await Tool.run("/usr/bin/openssl", Array(command.dropFirst()), in: s.dir)
            #expect(made.succeeded, "\(made.stderr)")

            let configMap = try String(contentsOfFile: "\(Self.directory)/30-configmap.yaml", encoding: .utf8)
            let config = try #require(Self.blockScalar("apus.yaml", in: configMap))
            #expect(config.contains("/etc/apus/tls/tls.crt") && config.contains("listen: 0.0.0.0:9901"))
            let path = try s.dir.write("apus.yaml", config.replacingOccurrences(of: "/etc/apus/tls", with: tlsDir))
            let run = try await ApusProcess.runToCompletion(["validate", path], in: s.dir)
            #expect(run.exit == .code(0), "stdout: \(run.stdout) stderr: \(run.stderr)")
            #expect(!run.stdout.contains("error"), "\(run.stdout)")

            // The same configuration serves: without a certificate the HTTPS listener is refused.
            let missing = try s.dir.write("missing.yaml", config.replacingOccurrences(of: "/etc/apus/tls", with: s.dir.file("nowhere")))
            let refused = try await ApusProcess.runToCompletion(["validate", missing], in: s.dir)
            #expect(refused.exit == .code(1), "stdout: \(refused.stdout)")
        }
    }
}
