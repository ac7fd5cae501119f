import Foundation
import Testing

/// `apus validate`: exit 0 for valid files; exit 1 with one `file:line:column: error: message` per
/// problem on stdout (or a JSON array with --format json); exit 2 for usage errors.
@Suite struct ValidateCommandTests {
    /// One invalid file and the line each of its errors must be reported on.
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var yaml: String
        var lines: [Int]
        var description: String { name }
    }

    static let valid = """
    workers: 1
    admin: { listen: 127.0.0.1:9901 }
    listeners: [ { name: http, listen: 127.0.0.1:8080 } ]
    routes:
      - host: app.example.test
        paths:
          - { path: /api, type: Prefix, upstream: api }
          - { path: "/v[0-9]+/.*", type: Regex, upstream: api }
          - { path: /, type: Prefix, static: { root: www, index: index.html } }
          - { path: /old, type: Exact, redirect: { status: 301, scheme: https, host: example.com, path: /new } }
          - { path: /health, type: Exact, respond: { status: 200, body: "ok\\n", content_type: text/plain } }
      - host: "*.example.test"
        paths: [ { path: /, type: Prefix, upstream: api } ]
    upstreams:
      api: { endpoints: [127.0.0.1:9001, 127.0.0.1:9002], balance: least_conn, connect_timeout: 1s, read_timeout: 2s, keepalive: { max_idle: 16, idle_timeout: 30s } }
    limits: { max_head_size: 16k, max_headers: 100, max_uri_length: 8k, max_body_size: 0 }
    timeouts: { header_read: 10s, keepalive: 75s, upstream_connect: 5s, upstream_read: 60s, upstream_send: 60s, drain: 10s }
    access_log: { format: json, path: access.log }
    """

    static let cases: [Case] = [
        Case(name: "unknown key", yaml: """
        workers: 1
        listeners: [ { name: http, listen: 127.0.0.1:8080 } ]
        routes: []
        colour: blue
        """, lines: [4]),
        Case(name: "undefined upstream", yaml: """
        listeners: [ { name: http, listen: 127.0.0.1:8080 } ]
        routes:
          - paths:
              - { path: /api, type: Prefix, upstream: missing }
        upstreams:
          api: { endpoints: [127.0.0.1:9001] }
        """, lines: [4]),
        Case(name: "invalid regex", yaml: """
        listeners: [ { name: http, listen: 127.0.0.1:8080 } ]
        upstreams:
          api: { endpoints: [127.0.0.1:9001] }
        routes:
          - paths:
              - { path: /ok, type: Prefix, upstream: api }
              - { path: "/x/(unclosed", type: Regex, upstream: api }
        """, lines: [7]),
        Case(name: "duplicate route", yaml: """
        listeners: [ { name: http, listen: 127.0.0.1:8080 } ]
        upstreams:
          api: { endpoints: [127.0.0.1:9001] }
        routes:
          - host: a.test
            paths:
              - { path: /api, type: Prefix, upstream: api }
              - { path: /api, type: Prefix, upstream: api }
        """, lines: [8]),
        Case(name: "three errors in one file", yaml: """
        listeners: [ { name: http, listen: 127.0.0.1:8080 } ]
        upstreams:
          api: { endpoints: [127.0.0.1:9001] }
        routes:
          - paths:
              - { path: /a, type: Prefix, upstream: nope }
              - { path: "[", type: Regex, upstream: api }
        bogus: 1
        """, lines: [6, 7, 8]),
    ]

    /// A diagnostic line `file:line:column: error: message`, parsed.
    struct Diagnostic {
        var file: String
        var line: Int
        var column: Int
        var message: String

        static func parse(_ text: String) -> [Diagnostic] {
            text.split(separator: "\n").compactMap { raw in
                let parts = raw.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
                guard parts.count == 5, let line = Int(parts[1]), let column = Int(parts[2]),
                      parts[3].trimmingCharacters(in: .whitespaces) == "error" else { return nil }
                return Diagnostic(file: String(parts[0]), line: line, column: column, message: parts[4].trimmingCharacters(in: .whitespaces))
            }
        }
    }

    /// The complete example config of the contract validates with exit 0 and no errors.
    @Test(.timeLimit(.endToEnd(3))) func validFileExitsZero() async throws {
        try await withScenario { s in
            let path = try s.dir.write("valid.yaml", Self.valid)
            let run = try await ApusProcess.runToCompletion(["validate", path], in: s.dir)
            #expect(run.exit == .code(0), "stdout: \(run.stdout) stderr: \(run.stderr)")
            #expect(Diagnostic.parse(run.stdout).isEmpty)
        }
    }

    /// Each invalid file exits 1 and prints an error at each expected line, naming the file, with a column ≥ 1.
    @Test(.timeLimit(.endToEnd(3)), arguments: cases)
    func invalidFileDiagnosed(_ c: Case) async throws {
        try await withScenario { s in
            let name = c.name.replacingOccurrences(of: " ", with: "-") + ".yaml"
            let path = try s.dir.write(name, c.yaml)
            let run = try await ApusProcess.runToCompletion(["validate", path], in: s.dir)
            #expect(run.exit == .code(1), "\(c.name): \(run.exit); stderr: \(run.stderr)")
            let diagnostics = Diagnostic.parse(run.stdout)
            #expect(!diagnostics.isEmpty, "\(c.name): no file:line:column: error: lines in stdout:\n\(run.stdout)")
            for diagnostic in diagnostics {
                #expect(diagnostic.file.hasSuffix(name), "\(c.name): diagnostic names \(diagnostic.file)")
                #expect(diagnostic.column >= 1 && !diagnostic.message.isEmpty)
            }
            for line in c.lines {
                #expect(diagnostics.contains { $0.line == line }, "\(c.name): no error on line \(line):\n\(run.stdout)")
            }
        }
    }

    /// Several files at once: exit 1, and each bad file's errors are reported under its own name.
    @Test(.timeLimit(.endToEnd(3))) func severalFiles() async throws {
        try await withScenario { s in
            var paths = [try s.dir.write("valid.yaml", Self.valid)]
            for (index, c) in Self.cases.prefix(3).enumerated() { paths.append(try s.dir.write("bad\(index).yaml", c.yaml)) }
            let run = try await ApusProcess.runToCompletion(["validate"] + paths, in: s.dir)
            #expect(run.exit == .code(1))
            let diagnostics = Diagnostic.parse(run.stdout)
            for index in 0..<3 {
                #expect(diagnostics.contains { $0.file.hasSuffix("bad\(index).yaml") && $0.line == Self.cases[index].lines[0] },
                        "bad\(index).yaml not diagnosed:\n\(run.stdout)")
            }
            #expect(!diagnostics.contains { $0.file.hasSuffix("valid.yaml") })
        }
    }

    /// `--format json` prints an array of {severity, code, message, location{file, line, column}}.
    @Test(.timeLimit(.endToEnd(3))) func jsonFormat() async throws {
        try await withScenario { s in
            let c = Self.cases[4]
            let path = try s.dir.write("three.yaml", c.yaml)
            let run = try await ApusProcess.runToCompletion(["validate", "--format", "json", path], in: s.dir)
            #expect(run.exit == .code(1))
            let parsed = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
            let array = try #require(parsed as? [[String: Any]], "not a JSON array of objects: \(run.stdout)")
            var lines: [Int] = []
            for object in array {
                #expect(object["severity"] as? String == "error")
                #expect((object["code"] as? String)?.isEmpty == false)
                #expect((object["message"] as? String)?.isEmpty == false)
                let location = try #require(object["location"] as? [String: Any])
                #expect((location["file"] as? String)?.hasSuffix("three.yaml") == true)
                #expect(((location["column"] as? Int) ?? 0) >= 1)
                if let line = location["line"] as? Int { lines.append(line) }
            }
            for line in c.lines { #expect(lines.contains(line), "no JSON diagnostic on line \(line): \(run.stdout)") }
            let clean = try await ApusProcess.runToCompletion(["validate", "--format", "json", try s.dir.write("valid.yaml", Self.valid)], in: s.dir)
            #expect(clean.exit == .code(0))
            let empty = try? JSONSerialization.jsonObject(with: Data(clean.stdout.utf8)) as? [Any]
            #expect(empty?.isEmpty == true, "a valid file gives [] in json format: \(clean.stdout)")
        }
    }

    /// A YAML syntax error is a diagnostic too (exit 1, file:line:column).
    @Test(.timeLimit(.endToEnd(3))) func yamlSyntaxError() async throws {
        try await withScenario { s in
            let path = try s.dir.write("broken.yaml", "listeners:\n  - { name: http, listen: 127.0.0.1:8080\nroutes: [\n")
            let run = try await ApusProcess.runToCompletion(["validate", path], in: s.dir)
            #expect(run.exit == .code(1))
            #expect(Diagnostic.parse(run.stdout).contains { $0.file.hasSuffix("broken.yaml") }, "stdout: \(run.stdout)")
        }
    }

    /// Usage errors (no file, unknown format, unknown flag) exit 2.
    @Test(.timeLimit(.endToEnd(3))) func usageErrors() async throws {
        try await withScenario { s in
            let path = try s.dir.write("valid.yaml", Self.valid)
            let invocations: [[String]] = [["validate"], ["validate", "--format", "xml", path], ["validate", "--no-such-flag", path]]
            for arguments in invocations {
                let run = try await ApusProcess.runToCompletion(arguments, in: s.dir)
                #expect(run.exit == .code(2), "apus \(arguments.joined(separator: " ")): \(run.exit)")
            }
        }
    }
}
