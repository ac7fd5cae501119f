import Foundation
import Testing

/// Header rules per route: what the upstream receives (set, add, remove, inherited from the route
/// with the path winning per name) and what the client receives, for proxied, static, fixed and
/// redirect answers of the route; Apus's own error pages and other routes get none.
@Suite struct HeaderRulesTests {
    static func start(_ s: Scenario) async throws -> Int {
        let backend = try await s.backend("rules")
        try s.dir.write("www/static/page.html", "<p>static</p>\n")
        try s.dir.write("www/static/big.txt", String(repeating: "compressible text line\n", count: 400))
        let port = try s.port()
        _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
        routes:
          - host: rules.test
            request_headers:
              set:
                - { name: X-Team, value: route }
                - { name: X-Env, value: prod }
              remove: [Cookie]
            response_headers:
              set: [{ name: Server, value: edge }]
              add: [{ name: X-Frame-Options, value: DENY }]
              remove: [X-Backend]
            paths:
              - path: /api
                upstream: app
                request_headers:
                  set:
                    - { name: x-team, value: path }
                    - { name: Host, value: internal.svc }
                    - { name: X-Forwarded-Proto, value: https }
                  add:
                    - { name: X-Multi, value: added }
              - { path: /static, static: { root: www } }
              - { path: /fixed, type: Exact, respond: { status: 200, body: "fixed" } }
              - { path: /moved, type: Exact, redirect: { status: 302, path: /api } }
              - { path: /down, upstream: dead }
          - host: plain.test
            paths:
              - { path: /, upstream: app }
        upstreams:
          app: { endpoints: [\(backend.endpoint)] }
          dead: { endpoints: [127.0.0.1:\(try s.port())] }
        """), waitFor: [port])
        return port
    }

    /// The upstream sees the path's set (x-team, Host, X-Forwarded-Proto) over the route's, the route's
    /// other set (X-Env) inherited, the added field after the received one, Cookie removed and
    /// X-Forwarded-Host still naming the host the client asked for.
    @Test(.timeLimit(.endToEnd(3))) func requestRulesReachUpstream() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let response = try await HTTPClient.request(port: port, path: "/api/echo", host: "rules.test", headers: [
                ("X-Team", "client"), ("cookie", "session=1"), ("Cookie", "other=2"), ("X-Multi", "client"),
                ("X-Forwarded-Proto", "http"), ("X-Env", "dev"),
            ])
            #expect(response.status == 200)
            let echo = try EchoReply(response.body)
            #expect(echo.headerValues("X-Team") == ["path"])
            #expect(echo.headerValues("X-Env") == ["prod"])
            #expect(echo.headerValues("Cookie").isEmpty)
            #expect(echo.headerValues("X-Multi") == ["client", "added"])
            #expect(echo.headerValues("Host") == ["internal.svc"])
            #expect(echo.headerValues("X-Forwarded-Proto") == ["https"])
            #expect(echo.headerValues("X-Forwarded-Host") == ["rules.test"])
            #expect(echo.headerValues("X-Real-IP") == ["127.0.0.1"], "generated fields without a rule stay")

            // Another route of the same upstream is untouched.
            let plain = try EchoReply(try await HTTPClient.request(port: port, path: "/echo", host: "plain.test", headers: [
                ("X-Team", "client"), ("Cookie", "c=1"),
            ]).body)
            #expect(plain.headerValues("X-Team") == ["client"] && plain.headerValues("Cookie") == ["c=1"])
            #expect(plain.headerValues("X-Forwarded-Proto") == ["http"] && plain.headerValues("Host") == ["plain.test"])
        }
    }

    /// curl sees the route's response rules on a proxied response (Server replaced, X-Backend gone,
    /// X-Frame-Options added) and on the route's static, fixed and redirect answers, framing intact.
    @Test(.timeLimit(.endToEnd(3))) func responseRulesOnEveryAnswerOfTheRoute() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            for path in ["/api/echo", "/static/page.html", "/fixed", "/moved"] {
                let curl = try await s.curl(["-H", "Host: rules.test", "http://127.0.0.1:\(port)\(path)"])
                #expect(curl.exitCode == 0, "\(path): \(curl)")
                #expect(curl.headers.filter { $0.name.lowercased() == "server" }.map(\.value) == ["edge"], "\(path): \(curl.headers)")
                #expect(curl.header("X-Backend") == nil, "\(path)")
                #expect(curl.header("X-Frame-Options") == "DENY", "\(path)")
                #expect(curl.header("Strict-Transport-Security") == nil, "\(path): no HSTS over plain HTTP")
            }
            let proxied = try await s.curl(["-H", "Host: rules.test", "http://127.0.0.1:\(port)/api/echo"])
            #expect(proxied.status == 200 && (try? EchoReply(Array(proxied.body))) != nil, "body intact")
            let file = try await s.curl(["-H", "Host: rules.test", "http://127.0.0.1:\(port)/static/page.html"])
            #expect(file.bodyText == "<p>static</p>\n" && file.header("Content-Length") == "14")
            #expect(try await s.curl(["-H", "Host: rules.test", "http://127.0.0.1:\(port)/moved"]).header("Location") == "http://rules.test/api")

            // Keep-alive across rule-bearing responses: both requests on one connection.
            let twice = try await s.curl(["-H", "Host: rules.test", "http://127.0.0.1:\(port)/fixed", "http://127.0.0.1:\(port)/api/echo"])
            #expect(twice.exitCode == 0 && twice.status == 200 && twice.stderr.isEmpty, "\(twice)")
        }
    }

    /// Apus's own error pages (502 of a dead upstream, 404 of no route) and other routes carry no rules.
    @Test(.timeLimit(.endToEnd(3))) func errorPagesAndOtherRoutesUntouched() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let down = try await s.curl(["-H", "Host: rules.test", "http://127.0.0.1:\(port)/down"])
            #expect(down.status == 502)
            #expect(down.header("X-Frame-Options") == nil && down.header("Server") == "apus")
            let missing = try await s.curl(["-H", "Host: rules.test", "http://127.0.0.1:\(port)/nothing-here"])
            #expect(missing.status == 404 && missing.header("X-Frame-Options") == nil)
            let plain = try await s.curl(["-H", "Host: plain.test", "http://127.0.0.1:\(port)/echo"])
            #expect(plain.status == 200 && plain.header("X-Backend") == "rules" && plain.header("X-Frame-Options") == nil)
        }
    }

    /// Gzip-compressed answers (proxied and static, `curl --compressed`) carry the route's rules too,
    /// and still the Content-Encoding and Vary the compression needs; the bodies decompress.
    @Test(.timeLimit(.endToEnd(3))) func compressedAnswersCarryRules() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            for path in ["/api/echo?pad=\(String(repeating: "p", count: 2000))", "/static/big.txt"] {
                let curl = try await s.curl(["--compressed", "-H", "Host: rules.test", "http://127.0.0.1:\(port)\(path)"])
                #expect(curl.status == 200 && curl.exitCode == 0, "\(path): \(curl)")
                #expect(curl.header("Content-Encoding") == "gzip", "\(path): \(curl.headers)")
                #expect(curl.header("Vary")?.contains("Accept-Encoding") == true, "\(path)")
                #expect(curl.headers.filter { $0.name.lowercased() == "server" }.map(\.value) == ["edge"], "\(path)")
                #expect(curl.header("X-Frame-Options") == "DENY" && curl.header("X-Backend") == nil, "\(path)")
            }
            let file = try await s.curl(["--compressed", "-H", "Host: rules.test", "http://127.0.0.1:\(port)/static/big.txt"])
            #expect(file.bodyText == String(repeating: "compressible text line\n", count: 400))
        }
    }
}
