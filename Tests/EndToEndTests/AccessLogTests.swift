import Foundation
import Testing

/// The access log: one line per request, JSON (to a file) or combined (stdout by default).
@Suite struct AccessLogTests {
    /// JSON lines parse and carry method, path and status for proxied, fixed and 404 requests.
    @Test(.timeLimit(.endToEnd(3))) func jsonLines() async throws {
        try await withScenario { s in
            let backend = try await s.backend("logged")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - host: logged.test
                paths:
                  - { path: /fixed, type: Exact, respond: { status: 201, body: "made", content_type: text/plain } }
                  - { path: /healthz, type: Exact, upstream: app, access_log: false }
                  - { path: /, type: Prefix, upstream: app }
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
            access_log: { format: json, path: access.log }
            """), waitFor: [port])
            #expect(try await HTTPClient.request(port: port, path: "/echo?q=1", host: "logged.test").status == 200)
            #expect(try await HTTPClient.request(port: port, method: "POST", path: "/fixed", host: "logged.test", body: Array("x".utf8)).status == 201)
            // Left out of the log: ingress-nginx's enable-access-log: "false".
            #expect(try await HTTPClient.request(port: port, path: "/healthz", host: "logged.test").status == 200)
            #expect(try await HTTPClient.request(port: port, path: "/missing", host: "nowhere.test").status == 404)
            var entries: [[String: Any]] = []
            let complete = await eventually(timeout: .seconds(3)) {
                entries = s.dir.read("access.log").split(separator: "\n").compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }
                return entries.count >= 3
            }
            #expect(complete, "access.log has \(entries.count) JSON lines: \(s.dir.read("access.log"))")
            let lines = s.dir.read("access.log").split(separator: "\n")
            #expect(lines.count == entries.count, "every line is JSON")
            #expect(entries.count == 3 && !entries.contains { ($0["path"] as? String) == "/healthz" }, "\(entries)")
            let expected: [(method: String, path: String, status: Int)] = [("GET", "/echo", 200), ("POST", "/fixed", 201), ("GET", "/missing", 404)]
            for e in expected {
                let found = entries.contains { entry in
                    entry["method"] as? String == e.method
                        && (entry["path"] as? String)?.hasPrefix(e.path) == true
                        && ((entry["status"] as? Int) == e.status || (entry["status"] as? String) == String(e.status))
                }
                #expect(found, "no access log entry for \(e.method) \(e.path) \(e.status) in \(entries)")
            }
        }
    }

    /// With no access_log section the combined format goes to stdout, one line per request.
    @Test(.timeLimit(.endToEnd(3))) func combinedToStdoutByDefault() async throws {
        try await withScenario { s in
            let backend = try await s.backend("logged")
            let port = try s.port()
            let apus = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            #expect(try await HTTPClient.request(port: port, path: "/echo/combined").status == 200)
            let logged = await eventually(timeout: .seconds(3)) {
                apus.stdout.contains("\"GET /echo/combined HTTP/1.1\" 200")
            }
            #expect(logged, "stdout: \(apus.stdout)")
        }
    }

    /// Operational logs on stderr are `level=... msg=...` lines; stdout carries only access-log lines.
    @Test(.timeLimit(.endToEnd(3))) func stderrIsStructured() async throws {
        try await withScenario { s in
            let backend = try await s.backend("logged")
            let port = try s.port()
            let apus = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            for index in 0..<3 { #expect(try await HTTPClient.request(port: port, path: "/echo/\(index)").status == 200) }
            #expect(await apus.terminate() == .code(0))
            let logLines = apus.stderr.split(separator: "\n")
            #expect(!logLines.isEmpty, "apus logged nothing on stderr")
            for line in logLines {
                #expect(line.contains("level=") && line.contains("msg="), "unstructured stderr line: \(line)")
            }
            let accessLines = apus.stdout.split(separator: "\n")
            #expect(accessLines.count == 3, "stdout should hold exactly the 3 access lines: \(apus.stdout)")
            #expect(!apus.stdout.contains("level="), "operational logs leaked to stdout")
        }
    }
}
