import Foundation
import Testing

/// Cookie session affinity (`affinity:` on an upstream, ingress-nginx's `affinity: cookie`)
/// with `apus serve` against real Python upstreams: sessions stick, the cookie hides the
/// address, endpoints that vanish or join move as few sessions as the mode allows, and
/// broken cookies start a new session.
@Suite struct SessionAffinityTests {
    /// One request: the backend that answered and the affinity cookie set, if any.
    struct Visit: Equatable {
        var backend: String
        var cookie: String?
    }

    static func visit(port: Int, path: String = "/", cookie: String? = nil, headers: [(String, String)] = []) async throws -> Visit {
        let response = try await HTTPClient.request(
            port: port, path: path, host: "s.test", headers: (cookie.map { [("Cookie", "INGRESSCOOKIE=\($0)")] } ?? []) + headers)
        let set = response.headerValues("Set-Cookie").first { $0.hasPrefix("INGRESSCOOKIE=") }
        let value = set.map { String($0.dropFirst("INGRESSCOOKIE=".count).prefix { $0 != ";" }) }
        return Visit(backend: response.header("X-Backend") ?? "status \(response.status)", cookie: value)
    }

    static func config(port: Int, mode: String, backends: [PythonBackend], marker: String, extra: String = "") -> String {
        ApusConfig.yaml(listen: port, body: """
        routes:
          - paths:
              \(ApusConfig.markerPath(marker))
          - host: s.test
            paths:
              - { path: /, upstream: app }
              - { path: /shop, upstream: app }
        upstreams:
          app:
            endpoints: [\(backends.map(\.endpoint).joined(separator: ", "))]
            affinity: { mode: \(mode)\(extra) }
        """)
    }

    /// Starts `count` sessions and returns each one's cookie and backend.
    static func newSessions(port: Int, count: Int) async throws -> [(cookie: String, backend: String)] {
        var sessions: [(String, String)] = []
        for _ in 0..<count {
            let first = try await visit(port: port)
            let cookie = try #require(first.cookie, "a request without the cookie gets one")
            sessions.append((cookie, first.backend))
        }
        return sessions
    }

    /// Balanced: 240 sessions spread over three endpoints and stick. A fourth endpoint takes
    /// about a quarter of them (the ring's arcs), and only for itself; removing one moves
    /// only its own sessions. The cookie never changes for a session that moved by the ring.
    @Test(.timeLimit(.endToEnd(4))) func balancedSessionsStickAndScaleByTheRing() async throws {
        try await withScenario { s in
            let b = try await s.backends(["a", "b", "c", "d"])
            let port = try s.port()
            let three = [b["a"]!, b["b"]!, b["c"]!]
            let apus = try await s.apus(Self.config(port: port, mode: "balanced", backends: three, marker: "3"), waitFor: [port])

            let first = try await HTTPClient.request(port: port, path: "/shop/cart", host: "s.test")
            let setCookie = try #require(first.headerValues("Set-Cookie").first)
            #expect(setCookie.range(of: #"^INGRESSCOOKIE=[0-9a-f]{16}; Path=/shop; HttpOnly$"#, options: .regularExpression) != nil, "\(setCookie)")
            #expect(!setCookie.contains("127.0.0.1") && !setCookie.contains(b["a"]!.endpoint), "the cookie names no address")

            let sessions = try await Self.newSessions(port: port, count: 240)
            let spread = Dictionary(grouping: sessions, by: \.backend).mapValues(\.count)
            #expect(Set(spread.keys) == ["a", "b", "c"] && spread.values.allSatisfy { $0 >= 40 }, "each of three holds at least 40 of 240: \(spread)")
            for (cookie, backend) in sessions.prefix(60) {
                #expect(try await Self.visit(port: port, cookie: cookie) == Visit(backend: backend, cookie: nil), "a session sticks, with no new cookie")
            }

            #expect(try await apus.reload(Self.config(port: port, mode: "balanced", backends: three + [b["d"]!], marker: "4"), untilMarker: "4", port: port))
            var after: [String: String] = [:]
            for (cookie, backend) in sessions {
                let visit = try await Self.visit(port: port, cookie: cookie)
                #expect(visit.cookie == nil)
                #expect(visit.backend == backend || visit.backend == "d", "a session moves only to the new endpoint")
                after[cookie] = visit.backend
            }
            let moved = after.values.filter { $0 == "d" }.count
            print("affinity balanced: adding a 4th endpoint moved \(moved) of \(sessions.count) sessions (ideal \(sessions.count / 4))")
            #expect((24...110).contains(moved), "about a quarter move: \(moved) of 240")

            #expect(try await apus.reload(Self.config(port: port, mode: "balanced", backends: [b["a"]!, b["c"]!, b["d"]!], marker: "-b"), untilMarker: "-b", port: port))
            for (cookie, backend) in after {
                let visit = try await Self.visit(port: port, cookie: cookie)
                if backend == "b" {
                    #expect(visit.backend != "b" && visit.backend.count == 1, "b's sessions go elsewhere: \(visit)")
                } else {
                    #expect(visit.backend == backend, "sessions of the endpoints that stay do not move")
                }
            }
        }
    }

    /// Persistent: adding an endpoint moves no session; a session whose endpoint vanished
    /// goes elsewhere with a new cookie, and then sticks there.
    @Test(.timeLimit(.endToEnd(4))) func persistentSessionsNeverMoveUntilTheirEndpointGoes() async throws {
        try await withScenario { s in
            let b = try await s.backends(["a", "b", "c", "d"])
            let port = try s.port()
            let three = [b["a"]!, b["b"]!, b["c"]!]
            let apus = try await s.apus(Self.config(port: port, mode: "persistent", backends: three, marker: "3"), waitFor: [port])
            let sessions = try await Self.newSessions(port: port, count: 60)
            let spread = Dictionary(grouping: sessions, by: \.backend).mapValues(\.count)
            #expect(spread == ["a": 20, "b": 20, "c": 20], "new sessions are balanced round robin: \(spread)")
            #expect(Set(sessions.map(\.cookie)).count == 3, "the cookie is the endpoint's token: one per endpoint")

            #expect(try await apus.reload(Self.config(port: port, mode: "persistent", backends: three + [b["d"]!], marker: "4"), untilMarker: "4", port: port))
            for (cookie, backend) in sessions {
                #expect(try await Self.visit(port: port, cookie: cookie) == Visit(backend: backend, cookie: nil), "no session moves when one is added")
            }
            #expect(try await apus.reload(Self.config(port: port, mode: "persistent", backends: [b["a"]!, b["c"]!, b["d"]!], marker: "-b"), untilMarker: "-b", port: port))
            for (cookie, backend) in sessions {
                let visit = try await Self.visit(port: port, cookie: cookie)
                if backend == "b" {
                    let renewed = try #require(visit.cookie, "a session whose endpoint vanished gets a new cookie")
                    #expect(visit.backend != "b" && renewed != cookie)
                    #expect(try await Self.visit(port: port, cookie: renewed) == Visit(backend: visit.backend, cookie: nil), "and sticks to its new endpoint")
                } else {
                    #expect(visit == Visit(backend: backend, cookie: nil))
                }
            }
        }
    }

    /// Cookies that are not ours start a new session (200 and a fresh cookie), never an error.
    @Test(.timeLimit(.endToEnd(3))) func malformedCookiesStartNewSessions() async throws {
        try await withScenario { s in
            let b = try await s.backends(["a", "b"])
            let port = try s.port()
            _ = try await s.apus(Self.config(port: port, mode: "persistent", backends: [b["a"]!, b["b"]!], marker: "0"), waitFor: [port])
            let hostile = ["", "zzzzzzzzzzzzzzzz", "0123456789ABCDEF", "0123456789abcdef0", "012345678", "%00%00", "ffffffffffffffff",
                           String(repeating: "f", count: 4000), "a|b|c", "\"0123456789abcdef\""]
            for value in hostile {
                let visit = try await Self.visit(port: port, cookie: value)
                #expect(["a", "b"].contains(visit.backend) && visit.cookie != nil && visit.cookie != value, "\(value.prefix(20)): \(visit)")
            }
            let response = try await HTTPClient.request(port: port, path: "/", host: "s.test", headers: [
                ("Cookie", "INGRESSCOOKIE"), ("Cookie", "; ; =; INGRESSCOOKIE=;;"), ("Cookie", String(repeating: "x=1; ", count: 1000)),
            ])
            #expect(response.status == 200 && response.headerValues("Set-Cookie").count == 1)
            // A session's cookie in a later Cookie field than the first still holds it.
            let session = try await Self.visit(port: port)
            let cookie = try #require(session.cookie)
            for _ in 0..<4 {
                let again = try await HTTPClient.request(port: port, path: "/", host: "s.test", headers: [
                    ("Cookie", "theme=dark"), ("Cookie", "lang=en; INGRESSCOOKIE=\(cookie)"),
                ])
                #expect(again.header("X-Backend") == session.backend && again.headerValues("Set-Cookie").isEmpty, "\(again)")
            }
        }
    }

    /// The cookie's attributes: Path, Domain, Expires, Max-Age, Secure, HttpOnly and
    /// SameSite, with SameSite=None left out for a browser that rejects it.
    @Test(.timeLimit(.endToEnd(3))) func cookieAttributes() async throws {
        try await withScenario { s in
            let b = try await s.backends(["a"])
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - host: s.test
                paths:
                  - { path: /, upstream: plain }
                  - { path: /all, upstream: all }
                  - { path: "^/re/[0-9]+$", type: Regex, upstream: plain }
            upstreams:
              plain: { endpoints: [\(b["a"]!.endpoint)], affinity: { cookie: SESSION } }
              all:
                endpoints: [\(b["a"]!.endpoint)]
                affinity: { cookie: Sticky, mode: persistent, path: /app, domain: example.test, max_age: 1h, expires: 2h, samesite: None,
                            secure: true, conditional_samesite_none: true }
            """), waitFor: [port])
            func setCookie(_ path: String, agent: String? = nil) async throws -> String {
                let response = try await HTTPClient.request(port: port, path: path, host: "s.test", headers: agent.map { [("User-Agent", $0)] } ?? [])
                return try #require(response.headerValues("Set-Cookie").first)
            }
            #expect(try await setCookie("/").range(of: #"^SESSION=[0-9a-f]{16}; Path=/; HttpOnly$"#, options: .regularExpression) != nil)
            #expect(try await setCookie("/re/12").hasSuffix("; Path=/; HttpOnly"), "a regex rule's cookie is for /")
            let all = try await setCookie("/all", agent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36")
            let expires = try #require(all.range(of: #"Expires=[^;]+"#, options: .regularExpression).map { String(all[$0].dropFirst(8)) })
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            let ahead = try #require(formatter.date(from: expires)).timeIntervalSinceNow
            #expect(abs(ahead - 7_200) < 10, "Expires two hours ahead: \(expires)")
            #expect(all.hasPrefix("Sticky=") && all.contains("; Path=/app; Domain=example.test; ") && all.contains("; Max-Age=3600; Secure; HttpOnly; SameSite=None"), "\(all)")
            let old = try await setCookie("/all", agent: "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/62.0.3202.94 Safari/537.36")
            #expect(!old.contains("SameSite") && old.hasSuffix("; Secure; HttpOnly"), "Chrome 62 rejects SameSite=None: \(old)")
        }
    }

    /// A session whose endpoint fails: this request goes elsewhere; the session moves
    /// (a new cookie) only with change_on_failure.
    @Test(.timeLimit(.endToEnd(3))) func failedEndpointKeepsOrMovesTheSession() async throws {
        try await withScenario { s in
            let b = try await s.backends(["a", "b"])
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
            routes:
              - host: s.test
                paths: [{ path: /, upstream: keep }]
              - host: t.test
                paths: [{ path: /, upstream: move }]
            upstreams:
              keep: { endpoints: [\(b["a"]!.endpoint), \(b["b"]!.endpoint)], affinity: { mode: persistent } }
              move: { endpoints: [\(b["a"]!.endpoint), \(b["b"]!.endpoint)], affinity: { mode: persistent, change_on_failure: true } }
            """), waitFor: [port])
            func session(_ host: String, on backend: String) async throws -> String {
                for _ in 0..<4 {
                    let response = try await HTTPClient.request(port: port, path: "/", host: host)
                    if response.header("X-Backend") == backend, let set = response.headerValues("Set-Cookie").first {
                        return String(set.dropFirst("INGRESSCOOKIE=".count).prefix { $0 != ";" })
                    }
                }
                throw HarnessError("no session on \(backend)")
            }
            let kept = try await session("s.test", on: "b")
            let moved = try await session("t.test", on: "b")
            await b["b"]!.stop()
            let keep = try await HTTPClient.request(port: port, path: "/", host: "s.test", headers: [("Cookie", "INGRESSCOOKIE=\(kept)")])
            #expect(keep.header("X-Backend") == "a" && keep.headerValues("Set-Cookie").isEmpty, "served by a, the session stays with b")
            let move = try await HTTPClient.request(port: port, path: "/", host: "t.test", headers: [("Cookie", "INGRESSCOOKIE=\(moved)")])
            let renewed = try #require(move.headerValues("Set-Cookie").first, "change_on_failure: the session moves")
            #expect(move.header("X-Backend") == "a" && !renewed.contains(moved))
        }
    }
}
