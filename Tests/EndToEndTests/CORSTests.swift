import Foundation
import Testing

/// `cors` on a route: preflights answered here with 204, the fields on actual responses
/// (replacing an upstream's own), `Vary: Origin` for a list, nothing for another origin;
/// with curl as the browser would send.
@Suite struct CORSTests {
    static func header(_ result: Curl.Result, _ name: String) -> String? {
        result.headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    static func values(_ result: Curl.Result, _ name: String) -> [String] {
        result.headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    @Test(.timeLimit(.endToEnd(3))) func listedOriginsAndSubdomainPatterns() async throws {
        try await withScenario { s in
            let backend = try await s.backend("app")
            let port = try s.port()
            _ = try s.dir.write("users.htpasswd", "alice:{SHA}NSIKr+5ZMMKFCatHd+QmGlIwagA=\n")
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - cors:
                  allow_origins: [https://app.example.com, "https://*.example.org"]
                  allow_methods: [GET, POST]
                  allow_headers: X-Token, Content-Type
                  expose_headers: [X-Request-ID]
                  allow_credentials: true
                  max_age: 10m
                response_headers: { set: [{ name: X-Frame-Options, value: DENY }] }
                paths:
                  - { path: /, upstream: app }
                  - { path: /private, upstream: app, basic_auth: { htpasswd: users.htpasswd } }
                  - { path: /open, upstream: app, cors: true }
                  - { path: /plain, upstream: app, cors: false }
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
            """), waitFor: [port])
            let url = "http://127.0.0.1:\(port)"

            // A preflight from a listed origin: 204 here, nothing reaches the upstream.
            let preflight = try await s.curl(["-X", "OPTIONS", "-H", "Origin: https://app.example.com",
                                              "-H", "Access-Control-Request-Method: POST", "\(url)/echo"])
            #expect(preflight.status == 204)
            #expect(Self.header(preflight, "Access-Control-Allow-Origin") == "https://app.example.com")
            #expect(Self.header(preflight, "Access-Control-Allow-Methods") == "GET, POST")
            #expect(Self.header(preflight, "Access-Control-Allow-Headers") == "X-Token,Content-Type")
            #expect(Self.header(preflight, "Access-Control-Expose-Headers") == "X-Request-ID")
            #expect(Self.header(preflight, "Access-Control-Allow-Credentials") == "true")
            #expect(Self.header(preflight, "Access-Control-Max-Age") == "600")
            #expect(Self.header(preflight, "Vary") == "Origin")
            #expect(Self.header(preflight, "X-Frame-Options") == "DENY")
            #expect(Self.header(preflight, "Content-Length") == "0")
            #expect(preflight.body.isEmpty)

            // An actual request: proxied; the fields added, the upstream's own replaced.
            let actual = try await s.curl(["-H", "Origin: https://APP.example.com", "\(url)/own-cors"])
            #expect(actual.status == 200)
            #expect(Self.values(actual, "Access-Control-Allow-Origin") == ["https://app.example.com"])
            #expect(Set(Self.values(actual, "Vary")) == ["Accept-Encoding", "Origin"])
            #expect(Self.header(actual, "X-Frame-Options") == "DENY")

            // One label under a `*.` pattern; the origin is echoed.
            let sub = try await s.curl(["-H", "Origin: https://shop.example.org", "\(url)/echo"])
            #expect(Self.header(sub, "Access-Control-Allow-Origin") == "https://shop.example.org")
            for origin in ["https://a.b.example.org", "https://example.org", "http://shop.example.org", "https://evil.com",
                           "https://app.example.com.evil.com", "null"] {
                let other = try await s.curl(["-H", "Origin: \(origin)", "\(url)/own-cors"])
                #expect(other.status == 200)
                // No CORS field of ours; the upstream's own is removed too (set semantics).
                #expect(Self.values(other, "Access-Control-Allow-Origin") == [], "\(origin)")
                #expect(Self.values(other, "Vary").contains("Origin"), "\(origin)")
                // Not a preflight Apus answers: the OPTIONS goes upstream.
                let options = try await s.curl(["-X", "OPTIONS", "-H", "Origin: \(origin)", "\(url)/echo"])
                #expect(options.status == 200, "\(origin)")
                #expect(try EchoReply(Array(options.body)).method == "OPTIONS")
            }

            // Preflights carry no credentials: answered before basic auth; the request itself is not.
            let private1 = try await s.curl(["-X", "OPTIONS", "-H", "Origin: https://app.example.com", "\(url)/private"])
            #expect(private1.status == 204)
            let private2 = try await s.curl(["-H", "Origin: https://app.example.com", "\(url)/private"])
            #expect(private2.status == 401)

            // `cors: true` on a path: any origin, `*`, no Vary; `cors: false` turns it off.
            let open = try await s.curl(["-X", "OPTIONS", "\(url)/open"])
            #expect(open.status == 204)
            #expect(Self.header(open, "Access-Control-Allow-Origin") == "*")
            #expect(Self.header(open, "Access-Control-Allow-Credentials") == nil)
            #expect(Self.header(open, "Vary") == nil)
            let plain = try await s.curl(["-H", "Origin: https://app.example.com", "\(url)/plain"])
            #expect(Self.header(plain, "Access-Control-Allow-Origin") == nil)
        }
    }
}
