import Foundation
import Testing

/// `rewrite` on a path rule: the upstream gets the template's path, with the Regex rule's
/// capture groups and the request's query; other routes send the target as received.
@Suite struct RewriteTargetTests {
    static func start(_ s: Scenario) async throws -> (port: Int, admin: Int) {
        let backend = try await s.backend("app")
        let port = try s.port()
        let admin = try s.port()
        _ = try await s.apus(ApusConfig.yaml(listen: port, admin: admin, body: """
        routes:
          - paths:
              - { path: "/api/v([0-9]+)/(.*)", type: Regex, upstream: app, rewrite: "/svc/$2/v$1" }
              - path: "/files/(.*)"
                type: Regex
                upstream: app
                rewrite: "/store/$1"
                request_headers: { set: [ { name: X-Rewritten, value: "yes" } ] }
              - { path: /old, type: Prefix, upstream: app, rewrite: /new }
              - { path: /, type: Prefix, upstream: app }
        upstreams:
          app: { endpoints: [\(backend.endpoint)] }
        """), waitFor: [port, admin])
        return (port, admin)
    }

    static func upstreamPath(_ port: Int, _ path: String) async throws -> String {
        let response = try await HTTPClient.request(port: port, path: path)
        #expect(response.status == 200, "\(path): \(response.status)")
        return try EchoReply(response.body).path
    }

    /// Groups land where the template puts them; the query follows unchanged, encoded bytes included.
    @Test(.timeLimit(.endToEnd(3))) func captureGroupsAndQuery() async throws {
        try await withScenario { s in
            let (port, _) = try await Self.start(s)
            #expect(try await Self.upstreamPath(port, "/api/v2/users/7?x=1&y=%2F") == "/svc/users/7/v2?x=1&y=%2F")
            #expect(try await Self.upstreamPath(port, "/api/v10/") == "/svc//v10")
            // The matched path is decoded; what goes upstream is encoded again.
            #expect(try await Self.upstreamPath(port, "/files/a%20b/%C3%A9t%C3%A9.txt") == "/store/a%20b/%C3%A9t%C3%A9.txt")
            #expect(try await Self.upstreamPath(port, "/files/./x/../y%3Fz") == "/store/y%3Fz")
            #expect(try await Self.upstreamPath(port, "/old/deep/page?k=v") == "/new?k=v")
        }
    }

    /// A rewriting route with header rules gets both; the route without rewrite forwards the target
    /// exactly as sent (not normalized), as before.
    @Test(.timeLimit(.endToEnd(3))) func otherRoutesUntouched() async throws {
        try await withScenario { s in
            let (port, _) = try await Self.start(s)
            let rewritten = try EchoReply(try await HTTPClient.request(port: port, path: "/files/f?q").body)
            #expect(rewritten.path == "/store/f?q")
            #expect(rewritten.header("X-Rewritten") == "yes")
            #expect(try await Self.upstreamPath(port, "/plain/%41//b?z=%20") == "/plain/%41//b?z=%20")
            #expect(try await Self.upstreamPath(port, "/api/v2") == "/api/v2", "the regex needs a second slash: falls to /")
        }
    }

    /// Several requests on one keep-alive connection, alternating rewritten and plain targets,
    /// each get their own (the worker's target buffer is reused, never stale).
    @Test(.timeLimit(.endToEnd(3))) func keepAliveSequence() async throws {
        try await withScenario { s in
            let (port, _) = try await Self.start(s)
            let connection = try await RawConnection.connect(port: port)
            let paths = ["/api/v1/a-long-resource-name/with/many/segments", "/x", "/api/v3/b", "/old", "/files/z"]
            try await connection.send(paths.map { "GET \($0) HTTP/1.1\r\nHost: t\r\n\r\n" }.joined())
            let responses = try await connection.readResponses(paths.count)
            let seen = try responses.map { try EchoReply($0.body).path }
            #expect(seen == ["/svc/a-long-resource-name/with/many/segments/v1", "/x", "/svc/b/v3", "/new", "/store/z"])
        }
    }

    /// /routes shows the template on the rules that have one, and a bad template is reported by
    /// `apus validate` at its rule with the reason.
    @Test(.timeLimit(.endToEnd(3))) func routesAndValidate() async throws {
        try await withScenario { s in
            let (_, admin) = try await Self.start(s)
            let routes = String(decoding: try await HTTPClient.request(port: admin, path: "/routes").body, as: UTF8.self)
            #expect(routes.contains(#""rewrite":"/svc/$2/v$1""#), "\(routes)")
            #expect(routes.contains(#""rewrite":"/new""#))

            let bad = try s.dir.write("bad.yaml", ApusConfig.yaml(listen: 1, body: """
            routes:
              - paths:
                  - { path: "/a/(.*)", type: Regex, upstream: app, rewrite: "/b/$2" }
                  - { path: /, upstream: app }
            upstreams:
              app: { endpoints: [127.0.0.1:9] }
            """))
            let run = try await ApusProcess.runToCompletion(["validate", bad], in: s.dir)
            #expect(run.exit == .code(1))
            #expect(run.stdout.contains("\(bad):6:9: error: rewrite '/b/$2' refers to $2, but the regex has 1 capture group(s); the rule is dropped"), "\(run.stdout)")
        }
    }
}
