import Foundation
import Testing

/// Config reloads (file change, SIGHUP) swap the route table without dropping requests or idle
/// keep-alive connections; an invalid file keeps the old table and says so in /metrics.
@Suite struct ReloadTests {
    /// A config with one fixed-response route at `path` answering `body`, plus `/` to the upstream when given.
    static func config(listen: Int, admin: Int, path: String, body: String, upstream: String? = nil) -> String {
        ApusConfig.yaml(listen: listen, admin: admin, body: """
        routes:
          - paths:
              - { path: \(path), type: Exact, respond: { status: 200, body: "\(body)", content_type: text/plain } }
        \(upstream == nil ? "" : "      - { path: /, type: Prefix, upstream: app }\nupstreams:\n  app: { endpoints: [\(upstream!)] }")
        """)
    }

    /// Rewriting the file serves the new table within ~3 s (no signal), and bumps the table generation.
    @Test(.timeLimit(.endToEnd(3))) func fileChangeReloads() async throws {
        try await withScenario { s in
            let (port, admin) = (try s.port(), try s.port())
            let apus = try await s.apus(Self.config(listen: port, admin: admin, path: "/v1", body: "one"), waitFor: [port, admin])
            #expect(try await HTTPClient.request(port: port, path: "/v1").bodyText == "one")
            let generation = try await Probe.metric(adminPort: admin, "apus_route_table_generation")
            try apus.rewriteConfig(Self.config(listen: port, admin: admin, path: "/v2", body: "two"))
            let reloaded = try await eventually(timeout: .seconds(4)) {
                try await HTTPClient.request(port: port, path: "/v2").status == 200
            }
            #expect(reloaded, "new route not served within 4 s of the file change; stderr:\n\(apus.stderrTail())")
            #expect(try await HTTPClient.request(port: port, path: "/v1").status == 404)
            let after = try await Probe.metric(adminPort: admin, "apus_route_table_generation")
            #expect(generation != nil && after != nil && after! > generation!, "generation \(String(describing: generation)) → \(String(describing: after))")
            #expect(try await Probe.metric(adminPort: admin, "apus_config_last_reload_success") == 1)
        }
    }

    /// An invalid file (bad YAML, or valid YAML naming an undefined upstream) is logged and ignored: the old
    /// routes keep serving, nothing of it is served, last_reload_success turns 0; a valid file turns it back to 1.
    @Test(.timeLimit(.endToEnd(3))) func invalidFileKeepsOldTable() async throws {
        try await withScenario { s in
            let (port, admin) = (try s.port(), try s.port())
            let apus = try await s.apus(Self.config(listen: port, admin: admin, path: "/v1", body: "one"), waitFor: [port, admin])
            let invalidFiles: [(name: String, yaml: String)] = [
                ("YAML syntax error", Self.config(listen: port, admin: admin, path: "/v1", body: "one")
                    + "routes_typo: {}\n" + "  - { path: /bad, type: Prefix, upstream: nowhere }\n"),
                ("undefined upstream", Self.config(listen: port, admin: admin, path: "/v2", body: "two")
                    + "      - { path: /bad, type: Prefix, upstream: nowhere }\n"),
            ]
            for (index, invalid) in invalidFiles.enumerated() {
                try apus.rewriteConfig(invalid.yaml)
                let flagged = try await eventually(timeout: .seconds(4)) {
                    try await Probe.metric(adminPort: admin, "apus_config_last_reload_success") == 0
                }
                #expect(flagged, "\(invalid.name): apus_config_last_reload_success did not turn 0")
                #expect(apus.child.isRunning)
                #expect(try await HTTPClient.request(port: port, path: "/v1").bodyText == "one", "\(invalid.name): old table must keep serving")
                #expect(try await HTTPClient.request(port: port, path: "/v2").status == 404, "\(invalid.name): nothing of the invalid file is served")
                #expect(apus.stderr.contains("level=error") || apus.stderr.contains("level=warn"), "the bad reload is logged")
                // Back to a valid file so the next invalid one flips the metric again.
                try apus.rewriteConfig(Self.config(listen: port, admin: admin, path: "/v1", body: "one") + "# \(index)\n")
                let valid = try await eventually(timeout: .seconds(4)) {
                    try await Probe.metric(adminPort: admin, "apus_config_last_reload_success") == 1
                }
                #expect(valid, "a valid file after \(invalid.name) did not turn the metric back to 1")
            }
            try apus.rewriteConfig(Self.config(listen: port, admin: admin, path: "/v3", body: "three"))
            let recovered = try await eventually(timeout: .seconds(4)) {
                try await HTTPClient.request(port: port, path: "/v3").status == 200
            }
            #expect(recovered)
            #expect(try await Probe.metric(adminPort: admin, "apus_config_last_reload_success") == 1)
        }
    }

    /// SIGHUP reloads (even when the file's size and mtime look unchanged) and does not kill the process.
    @Test(.timeLimit(.endToEnd(3))) func sighupReloads() async throws {
        try await withScenario { s in
            let (port, admin) = (try s.port(), try s.port())
            let apus = try await s.apus(Self.config(listen: port, admin: admin, path: "/aaa", body: "first"), waitFor: [port, admin])
            let attributes = try FileManager.default.attributesOfItem(atPath: apus.configPath)
            // Same length, same mtime: only the signal can tell apus to look.
            try Data(Self.config(listen: port, admin: admin, path: "/bbb", body: "secnd").utf8)
                .write(to: URL(fileURLWithPath: apus.configPath))
            try FileManager.default.setAttributes([.modificationDate: attributes[.modificationDate]!], ofItemAtPath: apus.configPath)
            apus.send(SIGHUP)
            let reloaded = try await eventually(timeout: .seconds(3)) {
                try await HTTPClient.request(port: port, path: "/bbb").status == 200
            }
            #expect(reloaded, "SIGHUP did not reload; stderr:\n\(apus.stderrTail())")
            #expect(apus.child.isRunning, "SIGHUP killed apus: \(String(describing: apus.child.exit))")
        }
    }

    /// Across 20 reloads, a keep-alive client, a new-connection-per-request client and one slow in-flight request see zero failures,
    /// neither that connection nor an idle keep-alive one is closed, and the idle one then sees the newest table.
    @Test(.timeLimit(.endToEnd(3))) func reloadUnderLoadDropsNothing() async throws {
        try await withScenario(slots: 2) { s in
            let backend = try await s.backend("steady")
            let (port, admin) = (try s.port(), try s.port())
            let apus = try await s.apus(Self.config(listen: port, admin: admin, path: "/gen", body: "0", upstream: backend.endpoint),
                                        waitFor: [port, admin])
            let idle = try await RawConnection.connect(port: port)
            try await idle.send("GET /echo?idle=1 HTTP/1.1\r\nHost: load.test\r\n\r\n")
            #expect(try await idle.readResponse()?.status == 200)
            let stop = Locked(false)
            let loop = Task { () -> (ok: Int, failures: [String]) in
                let connection = try await RawConnection.connect(port: port)
                var ok = 0
                var failures: [String] = []
                while !stop.value {
                    try await connection.send("GET /echo?n=\(ok) HTTP/1.1\r\nHost: load.test\r\n\r\n")
                    guard let response = try await connection.readResponse(timeout: .seconds(3)) else {
                        failures.append("no response after \(ok) (closed: \(connection.peerClosed))")
                        break
                    }
                    if response.status == 200 { ok += 1 } else { failures.append("status \(response.status)") }
                }
                return (ok, failures)
            }
            let fresh = Task { () -> (ok: Int, failures: [String]) in
                var ok = 0
                var failures: [String] = []
                while !stop.value {
                    do {
                        let status = try await HTTPClient.request(port: port, path: "/echo?fresh=\(ok)", timeout: .seconds(3)).status
                        if status == 200 { ok += 1 } else { failures.append("status \(status)") }
                    } catch {
                        failures.append("\(error)")
                    }
                }
                return (ok, failures)
            }
            let slow = Task { try await HTTPClient.request(port: port, path: "/delay/2500", timeout: .seconds(10)) }
            for generation in 1...20 {
                try apus.rewriteConfig(Self.config(listen: port, admin: admin, path: "/gen", body: String(generation), upstream: backend.endpoint))
                apus.send(SIGHUP)
                try await Task.sleep(for: .milliseconds(150))
            }
            let settled = try await eventually(timeout: .seconds(3)) {
                try await HTTPClient.request(port: port, path: "/gen").bodyText == "20"
            }
            stop.withLock { $0 = true }
            let result = try await loop.value
            #expect(result.failures.isEmpty, "keep-alive failures during reloads: \(result.failures)")
            #expect(result.ok > 20, "only \(result.ok) keep-alive requests completed")
            let freshResult = await fresh.value
            #expect(freshResult.failures.isEmpty, "new-connection failures during reloads: \(freshResult.failures.prefix(5))")
            #expect(freshResult.ok > 20, "only \(freshResult.ok) new-connection requests completed")
            #expect(try await slow.value.status == 200, "in-flight request across reloads")
            #expect(settled, "final config not served")
            try await idle.send("GET /gen HTTP/1.1\r\nHost: load.test\r\n\r\n")
            let afterReloads = try await idle.readResponse()
            #expect(afterReloads?.bodyText == "20", "the idle keep-alive connection from before the reloads must still work: \(afterReloads.map(String.init(describing:)) ?? "closed")")
            #expect(apus.child.isRunning)
        }
    }
}
