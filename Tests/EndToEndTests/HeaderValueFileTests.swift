import Foundation
import Testing

/// `value_from_file`: a bearer token read from a file reaches the upstream, and a token rotated on
/// disk (rename, or a Kubernetes-style `..data` symlink swap) is used by the next requests without a
/// configuration reload; a file that turns unusable keeps its last good value. The token never
/// appears in apus's log, in /routes, or in a diagnostic.
@Suite struct HeaderValueFileTests {
    static let first = "tok-FIRST-7c1d9e"
    static let second = "tok-SECOND-52ab0f"
    static let third = "tok-THIRD-e90c44"

    /// Replaces `name` atomically (write beside it, then rename), as `kubectl cp` or an operator would.
    static func rotate(_ s: Scenario, _ name: String, _ text: String) throws {
        let temporary = try s.dir.write(name + ".new", text)
        guard rename(temporary, s.dir.file(name)) == 0 else { throw HarnessError("rename failed: errno \(errno)") }
    }

    static func config(listen: Int, admin: Int, backend: String, tokenPath: String) -> String {
        ApusConfig.yaml(listen: listen, admin: admin, body: """
        routes:
          - paths:
              - path: /
                upstream: kube
                request_headers:
                  set:
                    - name: Authorization
                      value_from_file: \(tokenPath)
                      prefix: "Bearer "
        upstreams:
          kube: { endpoints: [\(backend)] }
        """)
    }

    static func authorization(_ port: Int) async throws -> [String] {
        try EchoReply(try await HTTPClient.request(port: port, path: "/echo", headers: [("Authorization", "Basic client")]).body)
            .headerValues("Authorization")
    }

    /// A rotated token file is picked up within ~2 s with no reload (same config, reload counter
    /// unchanged, table generation bumped); deleting or emptying it keeps the last token with a warning
    /// naming the file only.
    @Test(.timeLimit(.endToEnd(3))) func rotatedTokenUsedWithoutReload() async throws {
        try await withScenario { s in
            let backend = try await s.backend("kube")
            let (port, admin) = (try s.port(), try s.port())
            try s.dir.write("secrets/token", Self.first + "\n")
            // Relative to the config file's directory.
            let apus = try await s.apus(Self.config(listen: port, admin: admin, backend: backend.endpoint, tokenPath: "secrets/token"),
                                        waitFor: [port, admin])
            #expect(try await Self.authorization(port) == ["Bearer \(Self.first)"])
            let reloads = try await Probe.metric(adminPort: admin, "apus_config_reloads_total{result=\"success\"}")

            try Self.rotate(s, "secrets/token", Self.second + "\n")
            let rotated = try await eventually(timeout: .seconds(4), interval: .milliseconds(100)) {
                try await Self.authorization(port) == ["Bearer \(Self.second)"]
            }
            #expect(rotated, "the rotated token was not used; stderr:\n\(apus.stderrTail())")
            #expect(try await Probe.metric(adminPort: admin, "apus_config_reloads_total{result=\"success\"}") == reloads,
                    "no configuration reload happened")
            #expect(try await Probe.metric(adminPort: admin, "apus_route_table_generation") == 2)

            // Gone, then empty: the last good token stays in service, a warning names the file.
            try FileManager.default.removeItem(atPath: s.dir.file("secrets/token"))
            let warned = await eventually(timeout: .seconds(4)) { apus.stderr.contains("header value file unusable") }
            #expect(warned, "no warning for the missing file; stderr:\n\(apus.stderrTail())")
            #expect(try await Self.authorization(port) == ["Bearer \(Self.second)"])
            try s.dir.write("secrets/token", "\n")
            let warnedEmpty = await eventually(timeout: .seconds(4)) { apus.stderr.contains("reason=\"is empty\"") }
            #expect(warnedEmpty, "stderr:\n\(apus.stderrTail())")
            #expect(try await Self.authorization(port) == ["Bearer \(Self.second)"])

            try Self.rotate(s, "secrets/token", Self.third)
            let recovered = try await eventually(timeout: .seconds(4), interval: .milliseconds(100)) {
                try await Self.authorization(port) == ["Bearer \(Self.third)"]
            }
            #expect(recovered)

            let routes = try await HTTPClient.request(port: admin, path: "/routes").bodyText
            #expect(routes.contains("\"valueFromFile\":\"\(s.dir.file("secrets/token"))\""), "\(routes)")
            for token in [Self.first, Self.second, Self.third] {
                #expect(!routes.contains(token), "/routes shows a token")
                #expect(!apus.stderr.contains(token), "the log shows a token")
                #expect(!apus.stdout.contains(token), "stdout shows a token")
            }
            #expect(apus.stderr.contains("file=\(s.dir.file("secrets/token"))"))
        }
    }

    /// Kubernetes mounts a service-account token as `token -> ..data/token` with `..data` a symlink
    /// to a timestamped directory swapped atomically on rotation; the swap is noticed.
    @Test(.timeLimit(.endToEnd(3))) func kubernetesSymlinkSwap() async throws {
        try await withScenario { s in
            let backend = try await s.backend("kube")
            let (port, admin) = (try s.port(), try s.port())
            let volume = s.dir.file("serviceaccount")
            try s.dir.write("serviceaccount/..2026_01_01/token", Self.first)
            try s.dir.write("serviceaccount/..2026_01_02/token", Self.second)
            try FileManager.default.createSymbolicLink(atPath: volume + "/..data", withDestinationPath: "..2026_01_01")
            try FileManager.default.createSymbolicLink(atPath: volume + "/token", withDestinationPath: "..data/token")
            _ = try await s.apus(Self.config(listen: port, admin: admin, backend: backend.endpoint, tokenPath: volume + "/token"),
                                 waitFor: [port, admin])
            #expect(try await Self.authorization(port) == ["Bearer \(Self.first)"])
            try FileManager.default.createSymbolicLink(atPath: volume + "/..data_tmp", withDestinationPath: "..2026_01_02")
            #expect(rename(volume + "/..data_tmp", volume + "/..data") == 0)
            let swapped = try await eventually(timeout: .seconds(4), interval: .milliseconds(100)) {
                try await Self.authorization(port) == ["Bearer \(Self.second)"]
            }
            #expect(swapped)
        }
    }

    /// A token file that is missing or holds a line break at start-up refuses to start, with a
    /// file:line:column diagnostic that does not quote the content; `apus validate` says the same.
    @Test(.timeLimit(.endToEnd(3))) func unusableFileAtStartRefused() async throws {
        try await withScenario { s in
            let port = try s.port()
            for (content, reason) in [(nil as String?, "No such file or directory"), ("\(Self.first)\nX-Injected: 1\n", "contains a line break")] {
                try? FileManager.default.removeItem(atPath: s.dir.file("token"))
                if let content { try s.dir.write("token", content) }
                let yaml = Self.config(listen: port, admin: try s.port(), backend: "127.0.0.1:9", tokenPath: "token")
                let configPath = try s.dir.write("apus.yaml", yaml)
                let serve = try await ApusProcess.runToCompletion(["serve", "--config", configPath], in: s.dir)
                #expect(serve.exit == .code(1), "\(serve)")
                #expect(serve.stderr.contains("at=\(configPath):12:32") && serve.stderr.contains(reason), "\(serve.stderr)")
                let validate = try await ApusProcess.runToCompletion(["validate", configPath], in: s.dir)
                #expect(validate.exit == .code(1))
                #expect(validate.stdout.contains("\(configPath):12:32: error: request_headers.set: value_from_file '\(s.dir.file("token"))' for Authorization: \(reason)"), "\(validate.stdout)")
                #expect(!serve.stderr.contains(Self.first) && !validate.stdout.contains(Self.first) && !serve.stderr.contains("X-Injected"))
            }
        }
    }
}
