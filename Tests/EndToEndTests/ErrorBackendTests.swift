import Foundation
import Testing

/// `error_backend` (ingress-nginx's `custom-http-errors` with `default-backend`) and
/// `error_pages` against real Python upstreams: which answers are replaced, what the error
/// backend receives, Apus's own 502 and 503 replaced too, and the operator's pages for
/// Apus's own answers.
@Suite struct ErrorBackendTests {
    @Test(.timeLimit(.endToEnd(3))) func listedStatusesAreServedByTheErrorBackend() async throws {
        try await withScenario { s in
            let app = try await s.backend("app")
            let errors = try await s.errorPageService()
            let dead = try s.port()
            let port = try s.port()
            let admin = try s.port()
            _ = try await s.apus("""
            workers: 1
            admin: { listen: 127.0.0.1:\(admin) }
            listeners: [{ listen: 127.0.0.1:\(port) }]
            routes:
              - host: shop.example.test
                error_backend: { upstream: errors, statuses: [404, 502, 503] }
                paths:
                  - { path: "/app/(.*)", type: Regex, upstream: app, rewrite: "/$1" }
                  - { path: "/raw/(.*)", type: Regex, upstream: app, rewrite: "/$1", error_backend: false }
                  - { path: /down, upstream: down }
                  - { path: /empty, upstream: empty }
                  - path: "/other/(.*)"
                    type: Regex
                    upstream: app
                    rewrite: "/$1"
                    error_backend: { upstream: errors, statuses: "500" }
            upstreams:
              app: { endpoints: [\(app.endpoint)] }
              errors: { endpoints: ["127.0.0.1:\(errors)"] }
              down: { endpoints: ["127.0.0.1:\(dead)"] }
              empty: { endpoints: [] }
            """, waitFor: [port])
            let host = "shop.example.test"

            // A listed status: the error service's page, with its status and type.
            let json = try await HTTPClient.request(
                port: port, path: "/app/status/404?x=1", host: host, headers: [("Accept", "application/json"), ("X-Request-ID", "req-7")])
            #expect(json.status == 404)
            #expect(json.header("X-Backend") == "errors")
            #expect(json.header("Content-Type") == "application/json")
            #expect(json.bodyText == #"{"error": 404}"#)

            // What the error service received: ingress-nginx's fields, `/`, no body.
            let seen = try await s.requestsSeen(port: errors)
            #expect(seen.count == 1, "one request per replaced answer; the backend's own 404 is passed on, not replaced again")
            let first = try #require(seen.first)
            #expect(first.method == "GET")
            #expect(first.path == "/")
            #expect(first.bodyLength == 0)
            #expect(first.headers["host"] == host)
            #expect(first.headers["x-code"] == "404")
            #expect(first.headers["x-format"] == "application/json")
            #expect(first.headers["x-original-uri"] == "/app/status/404?x=1")
            #expect(first.headers["x-service-name"] == "app")
            #expect(first.headers["x-request-id"] == "req-7")
            #expect(first.headers["x-forwarded-for"] == "127.0.0.1")
            #expect(first.headers["x-namespace"] == nil, "an empty value is not sent")

            // Not listed: the upstream's own answer.
            let other = try await HTTPClient.request(port: port, path: "/app/status/500", host: host)
            #expect(other.status == 500)
            #expect(other.header("X-Backend") == "app")
            // Turned off on a path.
            let raw = try await HTTPClient.request(port: port, path: "/raw/status/404", host: host)
            #expect(raw.status == 404)
            #expect(raw.header("X-Backend") == "app")
            // A path's own list replaces the route's.
            let own = try await HTTPClient.request(port: port, path: "/other/status/500", host: host)
            #expect(own.status == 500)
            #expect(own.header("X-Backend") == "errors")
            let notOwn = try await HTTPClient.request(port: port, path: "/other/status/404", host: host)
            #expect(notOwn.header("X-Backend") == "app")

            // A POST with a body: the error request has none and says so; the client gets the page.
            let body = Array(repeating: UInt8(ascii: "p"), count: 200_000)
            let post = try await HTTPClient.request(port: port, method: "POST", path: "/app/status/404", host: host, body: body)
            #expect(post.status == 404)
            #expect(post.header("X-Backend") == "errors")
            #expect(post.bodyText == "<p>error 404</p>")

            // Apus's own 502 (the endpoint refuses connections) and 503 (no endpoint at all).
            let down = try await HTTPClient.request(port: port, path: "/down/x", host: host, headers: [("Accept", "text/html")])
            #expect(down.status == 502)
            #expect(down.header("X-Backend") == "errors")
            #expect(down.bodyText == "<p>error 502</p>")
            let empty = try await HTTPClient.request(port: port, path: "/empty/y?z", host: host)
            #expect(empty.status == 503)
            #expect(empty.header("X-Backend") == "errors")

            let all = try await s.requestsSeen(port: errors)
            #expect(all.count == 5)
            let post404 = try #require(all.first { $0.method == "POST" })
            #expect(post404.path == "/")
            #expect(post404.bodyLength == 0)
            #expect(post404.headers["content-length"] == "0")
            #expect(all.first { $0.headers["x-code"] == "502" }?.headers["x-original-uri"] == "/down/x")
            #expect(all.first { $0.headers["x-code"] == "503" }?.headers["x-original-uri"] == "/empty/y?z")
            #expect(all.first { $0.headers["x-code"] == "503" }?.headers["x-service-name"] == "empty")

            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await Probe.metric(adminPort: admin, "apus_error_backend_requests_total ") == 5)
        }
    }

    /// A diverted answer keeps the client's connection when the request had no body left
    /// unread; an error backend that is itself down leaves Apus's own error page.
    @Test(.timeLimit(.endToEnd(3))) func keepAliveAndABackendThatIsDown() async throws {
        try await withScenario { s in
            let app = try await s.backend("app")
            let errors = try await s.errorPageService()
            let dead = try s.port()
            let port = try s.port()
            _ = try await s.apus("""
            workers: 1
            listeners: [{ listen: 127.0.0.1:\(port) }]
            routes:
              - paths:
                  - { path: "/app/(.*)", type: Regex, upstream: app, rewrite: "/$1", error_backend: { upstream: errors, statuses: [404] } }
                  - { path: "/broken/(.*)", type: Regex, upstream: app, rewrite: "/$1", error_backend: { upstream: gone, statuses: [404] } }
            upstreams:
              app: { endpoints: [\(app.endpoint)] }
              errors: { endpoints: ["127.0.0.1:\(errors)"] }
              gone: { endpoints: ["127.0.0.1:\(dead)"] }
            """, waitFor: [port])

            let connection = try await RawConnection.connect(port: port)
            for _ in 0..<3 {
                try await connection.send("GET /app/status/404 HTTP/1.1\r\nHost: a.test\r\n\r\n")
                let response = try #require(try await connection.readResponse())
                #expect(response.status == 404)
                #expect(response.header("X-Backend") == "errors")
            }
            try await connection.send("GET /app/echo HTTP/1.1\r\nHost: a.test\r\n\r\n")
            #expect(try await connection.readResponse()?.header("X-Backend") == "app")

            let broken = try await HTTPClient.request(port: port, path: "/broken/status/404")
            #expect(broken.status == 502)
            #expect(broken.bodyText == "502 Bad Gateway\n")
        }
    }

    @Test(.timeLimit(.endToEnd(3))) func operatorPagesForApusOwnAnswers() async throws {
        try await withScenario { s in
            let dead = try s.port()
            let port = try s.port()
            try s.dir.write("pages/502.html", "<h1>We are fixing it</h1>\n")
            try s.dir.write("pages/404.json", #"{"error":"not found"}"#)
            _ = try await s.apus("""
            workers: 1
            listeners: [{ listen: 127.0.0.1:\(port) }]
            error_pages:
              502: pages/502.html
              404: pages/404.json
            routes:
              - host: a.test
                paths: [{ path: /, upstream: down }]
            upstreams:
              down: { endpoints: ["127.0.0.1:\(dead)"] }
            """, waitFor: [port])
            let bad = try await HTTPClient.request(port: port, path: "/x", host: "a.test")
            #expect(bad.status == 502)
            #expect(bad.header("Content-Type") == "text/html; charset=utf-8")
            #expect(bad.bodyText == "<h1>We are fixing it</h1>\n")
            let head = try await HTTPClient.request(port: port, method: "HEAD", path: "/x", host: "a.test")
            #expect(head.status == 502)
            #expect(head.header("Content-Length") == "26")
            #expect(head.body.isEmpty)
            let missing = try await HTTPClient.request(port: port, path: "/x", host: "nobody.test")
            #expect(missing.status == 404)
            #expect(missing.header("Content-Type") == "application/json")
            #expect(missing.bodyText == #"{"error":"not found"}"#)
            // Statuses without a page keep the built-in one.
            let malformed = try await HTTPClient.request(port: port, path: "/x", host: "a.test", headers: [("Content-Length", "x")])
            #expect(malformed.status == 400)
            #expect(malformed.bodyText == "400 Bad Request\n")
        }
    }
}
