import ApusConfigFile
import ApusCore
import Foundation
import Testing

/// One broken file and the diagnostics it must produce, as `line:column: message-substring`.
struct DiagnosticCase: CustomTestStringConvertible, Sendable {
    let name: String
    let yaml: String
    let expected: [String]

    var testDescription: String { name }
}

private let cases: [DiagnosticCase] = [
    DiagnosticCase(name: "YAML syntax error", yaml: """
        listeners:
          - listen: 0.0.0.0:80
         name: x
        """, expected: ["3:2: invalid YAML: did not find expected key"]),
    DiagnosticCase(name: "unclosed flow mapping", yaml: """
        limits: { max_headers: 10
        """, expected: ["2:1: invalid YAML: did not find expected ',' or '}'"]),
    DiagnosticCase(name: "unquoted wildcard host", yaml: """
        routes:
          - host: *.example.test
        """, expected: ["2:12: a value starting with '*' must be quoted"]),
    DiagnosticCase(name: "unquoted IPv6 address", yaml: """
        admin:
          listen: [::1]:9901
        """, expected: ["2:12: if this is an IPv6 address, quote it"]),
    DiagnosticCase(name: "idle_naps is a boolean", yaml: "idle_naps: sometimes\n",
                   expected: ["1:12: idle_naps: expected true or false, found 'sometimes'"]),
    DiagnosticCase(name: "two documents", yaml: "a: 1\n---\nb: 2\n",
                   expected: ["2:1: a config file holds one document, found a second one"]),
    DiagnosticCase(name: "duplicate key points at the repeat", yaml: """
        admin:
          listen: 127.0.0.1:9901
          listen: 127.0.0.1:9902
        """, expected: ["3:3: duplicate key 'listen' (first at line 2)"]),
    DiagnosticCase(name: "duplicate key in a sequence item", yaml: """
        listeners:
          - listen: 0.0.0.0:80
            name: a
            listen: 0.0.0.0:81
        """, expected: ["4:5: duplicate key 'listen' (first at line 2)"]),
    DiagnosticCase(name: "duplicate key, quoted and plain", yaml: "workers: 1\n\"workers\": 2\n",
                   expected: ["2:1: duplicate key 'workers' (first at line 1)"]),
    DiagnosticCase(name: "duplicate key in a flow mapping points at the first", yaml: """
        limits: { max_headers: 1, max_headers: 2 }
        """, expected: ["1:11: duplicate key 'max_headers' in this mapping"]),
    DiagnosticCase(name: "control character", yaml: "admin:\n  listen: \"x\u{01}\"\n",
                   expected: ["2:13: invalid YAML: control characters are not allowed"]),
    DiagnosticCase(name: "duplicate key in a CRLF file", yaml: "admin:\r\n  listen: a\r\n  listen: b\r\n",
                   expected: ["3:3: duplicate key 'listen' (first at line 2)"]),
    DiagnosticCase(name: "empty file", yaml: "# nothing\n", expected: ["1:1: the configuration file is empty"]),
    DiagnosticCase(name: "document is not a mapping", yaml: "- a\n- b\n",
                   expected: ["1:1: the document: expected a mapping, found a sequence"]),
    DiagnosticCase(name: "unknown key with suggestion", yaml: """
        listeners:
          - name: http
            listn: 0.0.0.0:80
        """, expected: [
            "2:5: listeners[0]: missing required key 'listen'",
            "3:5: unknown key 'listn' in listeners[0]; did you mean 'listen'? (allowed: name, listen, tls, proxy_protocol, http2, h2c)",
        ]),
    DiagnosticCase(name: "unknown top-level key without suggestion", yaml: "servers: []\n", expected: [
        "1:1: unknown key 'servers' at the top level (allowed: workers, admin, listeners, routes, upstreams",
    ]),
    DiagnosticCase(name: "wrong container types", yaml: """
        listeners: { http: 0.0.0.0:80 }
        routes: yes
        upstreams: [a, b]
        limits: 16k
        """, expected: [
            "1:12: listeners: expected a sequence, found a mapping",
            "2:9: routes: expected a sequence, found a bool",
            "3:12: upstreams: expected a mapping of upstream names, found a sequence",
            "4:9: limits: expected a mapping, found a string",
        ]),
    DiagnosticCase(name: "wrong scalar types", yaml: """
        admin: { listen: [127.0.0.1, 9901] }
        limits: { max_headers: many }
        upstreams:
          api:
            endpoints:
              - [fd00::1]
            keepalive: { max_idle: 1.5 }
        """, expected: [
            "1:18: admin.listen: expected a string, found a sequence",
            "2:24: limits.max_headers: expected an integer, found a string",
            "6:9: upstreams.api.endpoints[0]: expected a string, found a sequence (quote IPv6 addresses",
            "7:28: upstreams.api.keepalive.max_idle: expected an integer, found a number",
        ]),
    DiagnosticCase(name: "bad enum values", yaml: """
        routes:
          - paths:
              - path: /
                type: prefix
                upstream: api
        upstreams:
          api:
            endpoints: []
            balance: random
        access_log: { format: common }
        """, expected: [
            "4:15: routes[0].paths[0].type: 'prefix' is not one of Exact, Prefix, Regex; did you mean 'Prefix'?",
            "9:14: upstreams.api.balance: 'random' is not one of round_robin, least_conn",
            "10:23: access_log.format: 'common' is not one of combined, json, off",
        ]),
    DiagnosticCase(name: "path rule without an action", yaml: """
        routes:
          - paths:
              - path: /
                type: Exact
        """, expected: [
            "3:9: routes[0].paths[0]: a path rule needs one action (upstream, static, redirect, respond)",
        ]),
    DiagnosticCase(name: "path rule with two actions", yaml: """
        routes:
          - paths:
              - path: /
                upstream: api
                respond: { status: 200 }
        """, expected: [
            "5:9: routes[0].paths[0]: a path rule takes exactly one action, found 'upstream' and 'respond'",
        ]),
    DiagnosticCase(name: "missing required keys", yaml: """
        admin: {}
        routes:
          - host: a.test
          - paths:
              - type: Exact
                static: { index: i.html }
        upstreams:
          api: { balance: least_conn }
        """, expected: [
            "1:8: admin: missing required key 'listen'",
            "3:5: routes[0]: missing required key 'paths'",
            "5:9: routes[1].paths[0]: missing required key 'path'",
            "6:17: routes[1].paths[0].static: missing required key 'root'",
            "8:8: upstreams.api: missing required key 'endpoints'",
        ]),
    DiagnosticCase(name: "required key with a null value", yaml: """
        listeners:
          - listen:
        """, expected: ["2:12: listeners[0].listen: expected a string, found null"]),
    DiagnosticCase(name: "redirect that changes nothing", yaml: """
        routes:
          - paths:
              - path: /
                redirect: { status: 301 }
        """, expected: ["4:19: routes[0].paths[0].redirect: a redirect needs at least one of 'scheme', 'host', 'path', 'url'"]),
    DiagnosticCase(name: "negative counts", yaml: """
        limits: { max_headers: 0 }
        upstreams:
          api: { endpoints: [a:1], keepalive: { max_idle: -1 } }
        """, expected: [
            "1:24: limits.max_headers: expected an integer of at least 1, found 0",
            "3:51: upstreams.api.keepalive.max_idle: expected an integer of at least 0, found -1",
        ]),
    DiagnosticCase(name: "limits beyond what a worker can hold", yaml: """
        limits: { max_head_size: 9223372036854775807, max_uri_length: 0, max_headers: 100001 }
        """, expected: [
            "1:26: limits.max_head_size: expected a size from 1 to 1m, found 9223372036854775807",
            "1:63: limits.max_uri_length: expected a size from 1 to 1m, found 0",
            "1:79: limits.max_headers: expected an integer of at most 10000, found 100001",
        ]),
    DiagnosticCase(name: "merge key of the wrong type", yaml: """
        admin:
          <<: 5
          listen: a
        """, expected: ["2:7: admin.<<: expected a mapping or a sequence of mappings, found an integer"]),
    DiagnosticCase(name: "bad workers, durations and sizes", yaml: """
        workers: 0
        limits: { max_head_size: 16q, max_body_size: -1 }
        timeouts: { drain: 1.5s }
        upstreams:
          api: { endpoints: [a:1], connect_timeout: soon }
        """, expected: [
            "1:10: workers: expected 'auto' or a positive integer, found '0'",
            "2:26: limits.max_head_size: '16q' is not a size",
            "2:46: limits.max_body_size: '-1' is not a size",
            "3:20: timeouts.drain: '1.5s' is not a duration",
            "5:45: upstreams.api.connect_timeout: 'soon' is not a duration",
        ]),
    DiagnosticCase(name: "errors in every section are all collected", yaml: """
        workers: many
        admni: { listen: 127.0.0.1:9901 }
        listeners:
          - {}
        routes:
          - paths: [{ path: /, upstream: api, type: Glob }]
        upstreams:
          api: { endpoints: [a:1], balanse: round_robin }
        timeouts: { draim: 5s }
        """, expected: [
            "1:10: workers: expected 'auto' or a positive integer, found 'many'",
            "2:1: unknown key 'admni' at the top level; did you mean 'admin'?",
            "4:5: listeners[0]: missing required key 'listen'",
            "6:45: routes[0].paths[0].type: 'Glob' is not one of Exact, Prefix, Regex",
            "8:28: unknown key 'balanse' in upstreams.api; did you mean 'balance'?",
            "9:13: unknown key 'draim' in timeouts; did you mean 'drain'?",
        ]),
]

@Suite struct DiagnosticsTests {
    /// Each broken file yields exactly the listed diagnostics, in order, at the listed positions.
    @Test(arguments: cases)
    func brokenFileYieldsDiagnostics(_ testCase: DiagnosticCase) {
        let actual = ConfigFileTestSupport.summaries(testCase.yaml)
        #expect(actual.count == testCase.expected.count, "\(actual)")
        for (actual, expected) in zip(actual, testCase.expected) {
            let position = expected.prefix { $0 != " " }
            #expect(actual.hasPrefix(position), "\(actual)")
            #expect(actual.contains(expected.dropFirst(position.count + 1)), "\(actual)")
        }
    }

    /// A file with any error diagnostic gives no configuration, so the previous table keeps serving.
    @Test(arguments: cases)
    func brokenFileGivesNoConfiguration(_ testCase: DiagnosticCase) {
        let (configuration, diagnostics) = ConfigFileParser.parse(testCase.yaml, path: "x.yaml")
        #expect(configuration == nil)
        #expect(diagnostics.allSatisfy { $0.severity == .error })
    }

    /// Diagnostics carry stable codes and print as `path:line:column: error: message`.
    @Test func diagnosticCodesAndDescription() {
        let (_, diagnostics) = ConfigFileParser.parse("listeners: 5\nfoo: 1\n", path: "conf/apus.yaml")
        #expect(diagnostics.map(\.code) == ["wrong-type", "unknown-key"])
        #expect(diagnostics.first?.description == "conf/apus.yaml:1:12: error: listeners: expected a sequence, found an integer")
    }

    /// An unreadable file gives one `path:1:1` diagnostic with the OS's reason.
    @Test func unreadableFile() {
        let (configuration, diagnostics) = ConfigFileParser.load(path: "/nonexistent/apus.yaml")
        #expect(configuration == nil)
        #expect(diagnostics.map(\.description) == ["/nonexistent/apus.yaml:1:1: error: cannot read file: No such file or directory"])
        #expect(diagnostics.map(\.code) == ["cannot-read"])
    }

    /// A device that never ends, a directory, a FIFO nobody writes to: refused at once as not
    /// regular files, instead of filling memory or waiting in open() for a writer.
    @Test func onlyRegularFilesAreRead() throws {
        let fifo = NSTemporaryDirectory() + "/apus-config-fifo-\(getpid())"
        unlink(fifo)
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        for path in ["/dev/zero", "/", fifo] {
            let (configuration, diagnostics) = ConfigFileParser.load(path: path)
            #expect(configuration == nil)
            #expect(diagnostics.first?.message == "cannot read file: not a regular file", "\(path)")
        }
    }
}
