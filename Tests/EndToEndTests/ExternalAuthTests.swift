import Foundation
import Testing

/// `external_auth` (ingress-nginx's `auth-url`) against a real Python auth service: what the
/// service receives, what each of its answers does to the request, the sign-in redirect,
/// remembered answers, a service that is down, slow or speaks garbage, and the
/// oauth2-proxy pattern on the request's own host.
@Suite struct ExternalAuthTests {
    @Test(.timeLimit(.endToEnd(3))) func decidesByTheServicesAnswer() async throws {
        try await withScenario { s in
            let backend = try await s.backend("app")
            let auth = try await s.authService()
            let dead = try s.port()
            let port = try s.port()
            let admin = try s.port()
            let apus = try await s.apus("""
            workers: 1
            admin: { listen: 127.0.0.1:\(admin) }
            listeners: [{ listen: 127.0.0.1:\(port) }]
            timeouts: { upstream_read: 2s }
            routes:
              - external_auth: { url: "http://127.0.0.1:\(auth)/verify?for=$host", response_headers: [X-Auth-User, X-Auth-Email] }
                paths:
                  - { path: /app, upstream: app }
                  - { path: /public, upstream: app, external_auth: false }
                  - path: /signin
                    upstream: app
                    external_auth: { url: "http://127.0.0.1:\(auth)/verify", signin: "https://login.example.test/start" }
                  - path: /always
                    upstream: app
                    external_auth: { url: "http://127.0.0.1:\(auth)/verify", always_set_cookie: true }
                  - path: /post
                    upstream: app
                    external_auth:
                      url: "http://127.0.0.1:\(auth)/verify"
                      method: POST
                      request_redirect: "https://$host/back"
                      proxy_set_headers: { X-Tenant: "tenant-$arg_t", X-Empty: "$http_x_absent", X-Team: blue }
                  - path: /down
                    upstream: app
                    external_auth: { url: "http://127.0.0.1:\(dead)/verify" }
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
            access_log: { format: json, path: access.log }
            """, waitFor: [port])

            // No credential: the service's 401 and challenge; the app is never reached.
            let anonymous = try await HTTPClient.request(port: port, path: "/app/echo")
            #expect(anonymous.status == 401)
            #expect(anonymous.header("WWW-Authenticate") == #"Bearer realm="test""#)
            #expect(anonymous.header("Set-Cookie") == nil, "a cookie on a 401 only with always_set_cookie")

            // Let through: the listed fields replace what the client sent; the cookies reach
            // the client; the body goes upstream whole.
            let body = Array(repeating: UInt8(ascii: "b"), count: 100_000)
            let allowed = try await HTTPClient.request(
                port: port, method: "POST", path: "/app/echo?x=1",
                headers: [("Authorization", "Bearer good"), ("X-Auth-User", "mallory"), ("X-Custom", "kept"), ("X-Request-ID", "req-42")],
                body: body)
            #expect(allowed.status == 200)
            let echo = try EchoReply(allowed.body)
            #expect(echo.headerValues("X-Auth-User") == ["alice"])
            #expect(echo.header("X-Auth-Email") == "alice@example.test")
            #expect(echo.bodyLength == body.count)
            #expect(echo.header("X-Request-ID") == "req-42")
            #expect(allowed.headerValues("Set-Cookie") == ["session=s1; Path=/", "theme=dark; Path=/"])

            // A listed field the service does not send is removed, not left as the client wrote it.
            let partial = try await HTTPClient.request(
                port: port, path: "/app/echo", headers: [("Authorization", "Bearer good-user-only"), ("X-Auth-Email", "ceo@example.test")])
            #expect(partial.status == 200)
            let partialEcho = try EchoReply(partial.body)
            #expect(partialEcho.header("X-Auth-User") == "bob")
            #expect(partialEcho.header("X-Auth-Email") == nil)

            // What the service received for the POST above: ingress-nginx's fields, no body.
            let seen = try await s.requestsSeen(port: auth)
            let first = try #require(seen.first { $0.headers["authorization"] == "Bearer good" })
            #expect(first.method == "GET")
            #expect(first.path == "/verify?for=127.0.0.1")
            #expect(first.bodyLength == 0)
            #expect(first.headers["host"] == "127.0.0.1")
            #expect(first.headers["content-length"] == nil)
            #expect(first.headers["x-original-url"] == "http://127.0.0.1:\(port)/app/echo?x=1")
            #expect(first.headers["x-original-method"] == "POST")
            #expect(first.headers["x-auth-request-redirect"] == "/app/echo?x=1")
            #expect(first.headers["x-forwarded-for"] == "127.0.0.1")
            #expect(first.headers["x-real-ip"] == "127.0.0.1")
            #expect(first.headers["x-sent-from"] == "nginx-ingress-controller")
            #expect(first.headers["x-request-id"] == "req-42")
            #expect(first.headers["x-custom"] == "kept")
            #expect(first.headers["x-original-uri"] == nil, "only with a method")

            // 403 is passed on; any other answer, garbage included, is 500.
            #expect(try await HTTPClient.request(port: port, path: "/app/echo", headers: [("Authorization", "Bearer forbidden")]).status == 403)
            #expect(try await HTTPClient.request(port: port, path: "/app/echo", headers: [("Authorization", "Bearer moved")]).status == 500)
            #expect(try await HTTPClient.request(port: port, path: "/app/echo", headers: [("Authorization", "Bearer garbage")]).status == 500)
            #expect(try await HTTPClient.request(port: port, path: "/public/echo").status == 200)

            // A service that does not answer in time (upstream_read 2 s) is 500, soon after.
            let started = ContinuousClock.now
            let slow = try await HTTPClient.request(port: port, path: "/app/echo", headers: [("Authorization", "Bearer slow")], timeout: .seconds(10))
            #expect(slow.status == 500)
            #expect(ContinuousClock.now - started < .seconds(4.5))

            // The sign-in URL: 401 becomes 302 with the original URL in rd.
            let signin = try await HTTPClient.request(port: port, path: "/signin/a b?q=1".replacingOccurrences(of: " ", with: "%20"))
            #expect(signin.status == 302)
            #expect(signin.header("Location") == "https://login.example.test/start?rd=http://127.0.0.1:\(port)%2Fsignin%2Fa%2520b%3Fq%3D1")
            #expect(signin.header("Set-Cookie") == "attempt=1; Path=/")

            // always_set_cookie: the cookie comes with the 401 too.
            #expect(try await HTTPClient.request(port: port, path: "/always/echo").header("Set-Cookie") == "attempt=1; Path=/")

            // A method given: POST with X-Original-URI, X-Scheme, and the redirect template.
            #expect(try await HTTPClient.request(port: port, path: "/post/echo?t=7", headers: [("Authorization", "Bearer good"), ("X-Team", "red")]).status == 200)
            let posted = try #require(try await s.requestsSeen(port: auth).last)
            // proxy_set_headers: set with their variables, replacing the client's; empty ones left out.
            #expect(posted.headers["x-tenant"] == "tenant-7")
            #expect(posted.headers["x-team"] == "blue")
            #expect(posted.headers["x-empty"] == nil)
            #expect(posted.method == "POST")
            #expect(posted.headers["x-original-uri"] == "/post/echo?t=7")
            #expect(posted.headers["x-scheme"] == "http")
            #expect(posted.headers["x-auth-request-redirect"] == "https://127.0.0.1/back")

            // An unreachable service never lets the request through.
            #expect(try await HTTPClient.request(port: port, path: "/down/echo", headers: [("Authorization", "Bearer good")]).status == 500)

            // Counted by outcome; no token in the logs.
            try await Task.sleep(for: .seconds(1.5))
            #expect(try await Probe.metric(adminPort: admin, "apus_external_auth_requests_total{result=\"allowed\"}") ?? 0 >= 3)
            #expect(try await Probe.metric(adminPort: admin, "apus_external_auth_requests_total{result=\"forbidden\"}") == 1)
            #expect(try await Probe.metric(adminPort: admin, "apus_external_auth_requests_total{result=\"error\"}") ?? 0 >= 4)
            let logs = s.dir.read("access.log") + apus.stderrTail()
            #expect(!logs.contains("Bearer good"))
            #expect(logs.contains("\"status\":401"), "denied requests are in the access log")
        }
    }

    @Test(.timeLimit(.endToEnd(3))) func remembersAnswersUnderTheCacheKey() async throws {
        try await withScenario { s in
            let backend = try await s.backend("app")
            let auth = try await s.authService()
            let port = try s.port()
            let admin = try s.port()
            _ = try await s.apus("""
            workers: 2
            admin: { listen: 127.0.0.1:\(admin) }
            listeners: [{ listen: 127.0.0.1:\(port) }]
            routes:
              - paths:
                  - path: /
                    upstream: app
                    external_auth: { url: "http://127.0.0.1:\(auth)/verify", cache_key: "$http_authorization", cache_duration: "200 401 1m", response_headers: [X-Auth-User] }
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
            """, waitFor: [port])

            // Over one kept-alive connection (one worker): the service is asked once per token.
            let connection = try await RawConnection.connect(port: port)
            for _ in 0..<5 {
                try await connection.send("GET /echo HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer good\r\n\r\n")
                let response = try #require(try await connection.readResponse())
                #expect(response.status == 200)
                #expect(try EchoReply(response.body).header("X-Auth-User") == "alice")
                try await connection.send("GET /echo HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer nobody\r\n\r\n")
                #expect(try await connection.readResponse()?.status == 401)
            }
            let asked = try await s.requestsSeen(port: auth)
            #expect(asked.filter { $0.headers["authorization"] == "Bearer good" }.count == 1)
            #expect(asked.filter { $0.headers["authorization"] == "Bearer nobody" }.count == 1)
            // 403 is not in the duration's list: asked every time.
            for _ in 0..<3 {
                try await connection.send("GET /echo HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer forbidden\r\n\r\n")
                #expect(try await connection.readResponse()?.status == 403)
            }
            #expect(try await s.requestsSeen(port: auth).filter { $0.headers["authorization"] == "Bearer forbidden" }.count == 3)
            try await Task.sleep(for: .seconds(1.5))
            #expect(try await Probe.metric(adminPort: admin, "apus_external_auth_cache_hits_total ") == 8)
        }
    }

    /// oauth2-proxy as ingress-nginx's documentation deploys it: the auth URL and the
    /// sign-in URL are on the request's own host, served by another route of the same host.
    @Test(.timeLimit(.endToEnd(3))) func oauth2ProxyOnTheRequestsOwnHost() async throws {
        try await withScenario { s in
            let backend = try await s.backend("app")
            let auth = try await s.authService()
            let port = try s.port()
            _ = try await s.apus("""
            workers: 1
            listeners: [{ listen: 127.0.0.1:\(port) }]
            routes:
              - host: dashboard.example.test
                paths:
                  - { path: /oauth2, upstream: oauth2-proxy }
                  - path: /
                    upstream: app
                    external_auth:
                      url: "https://$host/oauth2/auth"
                      signin: "https://$host/oauth2/start?rd=$escaped_request_uri"
                      response_headers: X-Auth-User
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
              oauth2-proxy: { endpoints: ["127.0.0.1:\(auth)"] }
            """, waitFor: [port])

            let anonymous = try await HTTPClient.request(port: port, path: "/reports?month=11", host: "dashboard.example.test")
            #expect(anonymous.status == 302)
            #expect(anonymous.header("Location") == "https://dashboard.example.test/oauth2/start?rd=%2Freports%3Fmonth%3D11")
            let signedIn = try await HTTPClient.request(port: port, path: "/echo", host: "dashboard.example.test",
                                                        headers: [("Authorization", "Bearer good")])
            #expect(signedIn.status == 200)
            #expect(try EchoReply(signedIn.body).header("X-Auth-User") == "alice")
            let asked = try #require(try await s.requestsSeen(port: auth).last)
            #expect(asked.path == "/oauth2/auth")
            #expect(asked.headers["host"] == "dashboard.example.test")
            #expect(asked.headers["x-original-url"] == "http://dashboard.example.test/echo")
            // The sign-in pages themselves are not behind the check.
            #expect(try await HTTPClient.request(port: port, path: "/oauth2/start", host: "dashboard.example.test").status == 401)
        }
    }
}
