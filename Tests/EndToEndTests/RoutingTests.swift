import Testing

/// Host and path routing: exact host, `*.` wildcard (one label), catch-all; Exact, then Regex in
/// declared order, then longest Prefix by path element; 404 when nothing matches.
@Suite struct RoutingTests {
    /// Exact hosts beat the wildcard, the wildcard matches exactly one label, everything else goes to the catch-all.
    @Test(.timeLimit(.endToEnd(3))) func hostPrecedence() async throws {
        try await withScenario { s in
            let b = try await s.backends(["exact", "wildcard", "any"])
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - host: "*.example.test"
                paths: [ { path: /, type: Prefix, upstream: wildcard } ]
              - host: app.example.test
                paths: [ { path: /, type: Prefix, upstream: exact } ]
              - paths: [ { path: /, type: Prefix, upstream: any } ]
            upstreams:
              exact: { endpoints: [\(b["exact"]!.endpoint)] }
              wildcard: { endpoints: [\(b["wildcard"]!.endpoint)] }
              any: { endpoints: [\(b["any"]!.endpoint)] }
            """), waitFor: [port])
            let cases: [(host: String, expected: String)] = [
                ("app.example.test", "exact"),
                ("app.example.test:\(port)", "exact"),
                ("APP.Example.Test", "exact"),
                ("foo.example.test", "wildcard"),
                ("x-1.example.test:\(port)", "wildcard"),
                ("a.b.example.test", "any"),
                ("example.test", "any"),
                ("other.test", "any"),
                ("127.0.0.1:\(port)", "any"),
            ]
            for c in cases {
                let answer = try await Probe.who(port: port, host: c.host, path: "/echo")
                #expect(answer == c.expected, "Host: \(c.host)")
            }
        }
    }

    /// A request whose host matched never falls through to another host's routes: 404 instead.
    @Test(.timeLimit(.endToEnd(3))) func noFallthroughBetweenHosts() async throws {
        try await withScenario { s in
            let b = try await s.backends(["api", "any"])
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - host: app.example.test
                paths: [ { path: /api, type: Prefix, upstream: api } ]
              - host: "*.wild.test"
                paths: [ { path: /api, type: Prefix, upstream: api } ]
              - paths: [ { path: /, type: Prefix, upstream: any } ]
            upstreams:
              api: { endpoints: [\(b["api"]!.endpoint)] }
              any: { endpoints: [\(b["any"]!.endpoint)] }
            """), waitFor: [port])
            let cases: [(host: String, path: String, expected: String)] = [
                ("app.example.test", "/api/x", "api"),
                ("app.example.test", "/other", "status 404"),
                ("app.example.test", "/", "status 404"),
                ("a.wild.test", "/api", "api"),
                ("a.wild.test", "/other", "status 404"),
                ("elsewhere.test", "/other", "any"),
            ]
            for c in cases {
                let answer = try await Probe.who(port: port, host: c.host, path: c.path)
                #expect(answer == c.expected, "\(c.host) \(c.path)")
            }
        }
    }

    /// Exact beats Regex beats Prefix; regexes match the whole path, case-sensitively, first declared wins;
    /// Prefix matches whole path elements and the longest one wins; the query string is not part of the path.
    @Test(.timeLimit(.endToEnd(3))) func pathPrecedence() async throws {
        try await withScenario { s in
            let names = ["exact", "exactprefix", "regex1", "regex2", "items", "foo", "foobar", "root"]
            let b = try await s.backends(names)
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - host: paths.test
                paths:
                  - { path: /, type: Prefix, upstream: root }
                  - { path: /foo, type: Prefix, upstream: foo }
                  - { path: /foo/bar/, type: Prefix, upstream: foobar }
                  - { path: /items, type: Prefix, upstream: items }
                  - { path: "/items/[0-9]+", type: Regex, upstream: regex1 }
                  - { path: "/r/.*", type: Regex, upstream: regex1 }
                  - { path: "/r/a.*", type: Regex, upstream: regex2 }
                  - { path: /exact, type: Prefix, upstream: exactprefix }
                  - { path: /exact, type: Exact, upstream: exact }
            upstreams:
            \(names.map { "  \($0): { endpoints: [\(b[$0]!.endpoint)] }" }.joined(separator: "\n"))
            """), waitFor: [port])
            let cases: [(path: String, expected: String)] = [
                ("/exact", "exact"),
                ("/exact?x=1", "exact"),
                ("/exact/", "exactprefix"),
                ("/exact/sub", "exactprefix"),
                ("/items/42", "regex1"),
                ("/items/42/x", "items"),
                ("/items/abc", "items"),
                ("/items", "items"),
                ("/Items/42", "root"),
                ("/r/abc", "regex1"),
                ("/foo", "foo"),
                ("/foo/", "foo"),
                ("/foo/baz", "foo"),
                ("/foo/bar", "foobar"),
                ("/foo/bar/baz", "foobar"),
                ("/foobar", "root"),
                ("/fo", "root"),
                ("/", "root"),
            ]
            for c in cases {
                let answer = try await Probe.who(port: port, host: "paths.test", path: c.path)
                #expect(answer == c.expected, "path \(c.path)")
            }
        }
    }

    /// With no catch-all host and no matching path, apus itself answers 404 (and keeps serving).
    @Test(.timeLimit(.endToEnd(3))) func notFound() async throws {
        try await withScenario { s in
            let b = try await s.backend("api")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - host: app.example.test
                paths: [ { path: /api, type: Prefix, upstream: api } ]
            upstreams:
              api: { endpoints: [\(b.endpoint)] }
            """), waitFor: [port])
            let cases: [(host: String, path: String, expected: String)] = [
                ("app.example.test", "/apix", "status 404"),
                ("unknown.test", "/api", "status 404"),
                ("app.example.test", "/api", "api"),
            ]
            for c in cases {
                let answer = try await Probe.who(port: port, host: c.host, path: c.path)
                #expect(answer == c.expected, "\(c.host) \(c.path)")
            }
            let seen = try await b.stats().paths
            #expect(seen == ["/api"])
        }
    }

    /// An absolute-form target routes by its own authority, not the Host header (RFC 9112 §3.2.2).
    @Test(.timeLimit(.endToEnd(3))) func absoluteFormRoutesByTargetHost() async throws {
        try await withScenario { s in
            let b = try await s.backends(["app", "any"])
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - host: app.example.test
                paths: [ { path: /, type: Prefix, upstream: app } ]
              - paths: [ { path: /, type: Prefix, upstream: any } ]
            upstreams:
              app: { endpoints: [\(b["app"]!.endpoint)] }
              any: { endpoints: [\(b["any"]!.endpoint)] }
            """), waitFor: [port])
            let connection = try await RawConnection.connect(port: port)
            try await connection.send("GET http://app.example.test/echo?abs=1 HTTP/1.1\r\nHost: other.test\r\n\r\n")
            let response = try await connection.readResponse()
            #expect(response?.header("X-Backend") == "app", "absolute-form answered by \(response?.header("X-Backend") ?? "status \(response?.status ?? 0)")")
            #expect(response.flatMap { try? EchoReply($0.body).path } == "/echo?abs=1", "the upstream gets origin-form")
        }
    }
}
