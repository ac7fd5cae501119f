import ApusCore
import Testing

@Suite struct RegexRoutesTests {
    static let table = Fixture.compile([
        RouteConfig(host: "full.test", paths: [
            Fixture.rule("/api/v[0-9]+/users", .regex, "users"),
            Fixture.rule("/api/.*", .regex, "api-any"),
            Fixture.rule("/", .prefix, "root"),
        ]),
        RouteConfig(host: "nginx.test", paths: [
            Fixture.rule("/api/v[0-9]+", .regex, "nginx-api", flavor: .nginxCompatible),
        ]),
    ]).0

    static let cases: [(host: String, path: String, expected: String?)] = [
        ("full.test", "/api/v2/users", "users"),
        ("full.test", "/api/v2/users/7", "api-any"),       // full match: trailing text fails the first rule
        ("full.test", "/API/v2/users", "root"),            // full match is case-sensitive
        ("full.test", "/x/api/v2/users", "root"),          // anchored at the start
        ("full.test", "/api/", "api-any"),
        ("nginx.test", "/api/v2", "nginx-api"),
        ("nginx.test", "/API/V2/anything", "nginx-api"),   // nginx flavor: caseless, start-anchored only
        ("nginx.test", "/x/api/v2", nil),
        ("nginx.test", "/api/v", nil),
    ]

    /// Full-match regexes are case-sensitive and whole-path; nginx-compatible ones are caseless and start-anchored.
    @Test(arguments: cases)
    func flavors(host: String, path: String, expected: String?) {
        #expect(Self.table.winner(host: host, path: path) == expected)
    }

    /// Among regexes the first declared match wins, even when a later one is more specific.
    @Test func declaredOrder() {
        let (table, _) = Fixture.compile([RouteConfig(host: nil, paths: [
            Fixture.rule("/a.*", .regex, "broad"),
            Fixture.rule("/abc", .regex, "narrow"),
        ])])
        #expect(table.winner(host: "", path: "/abc") == "broad")
    }

    /// An invalid regex is reported with PCRE2's message and offset; its neighbours are still served.
    @Test func invalidRegexKeepsNeighbours() {
        let (table, diagnostics) = Fixture.compile([RouteConfig(host: nil, paths: [
            Fixture.rule("/before", .prefix, "before", line: 3),
            Fixture.rule("/bad/(unclosed", .regex, "bad", line: 4),
            Fixture.rule("/after/[0-9]+", .regex, "after", line: 5),
        ])])
        #expect(diagnostics.map(\.code) == ["invalid-regex"])
        #expect(diagnostics.first?.location == Fixture.at(4))
        #expect(diagnostics.first?.message.contains("missing closing parenthesis") == true)
        #expect(diagnostics.first?.message.contains("at offset 14") == true)
        #expect(table.winner(host: "", path: "/before/x") == "before")
        #expect(table.winner(host: "", path: "/after/12") == "after")
        #expect(table.winner(host: "", path: "/bad/(unclosed") == nil)
        #expect(table.routes.count == 2)
    }

    /// Start-of-pattern options would override the engine settings Apus chose (`(*NO_JIT)` made a
    /// route that never matched): refused with a diagnostic; a verb later in a pattern is fine.
    @Test func startOfPatternOptionsAreRefused() {
        let (table, diagnostics) = Fixture.compile([RouteConfig(host: nil, paths: [
            Fixture.rule("(*NO_JIT)/nojit/.*", .regex, "nojit", line: 3),
            Fixture.rule("(*LIMIT_MATCH=1)/limited/.*", .regex, "limited", line: 4),
            Fixture.rule("/verb/(a(*SKIP)b|.*)", .regex, "verb", line: 5),
        ])])
        #expect(diagnostics.map(\.code) == ["invalid-regex", "invalid-regex"])
        #expect(diagnostics.first?.message.contains("start-of-pattern option (*NO_JIT) is not allowed") == true, "\(diagnostics)")
        #expect(diagnostics.last?.message.contains("(*LIMIT_MATCH=1)") == true, "\(diagnostics)")
        #expect(table.winner(host: "", path: "/verb/x") == "verb")
        #expect(table.routes.count == 1)
    }

    /// The scratch exposes the capture ranges of the winning regex, and forgets them on the next match.
    @Test func captures() {
        let (table, _) = Fixture.compile([RouteConfig(host: nil, paths: [
            Fixture.rule("/u/([a-z]+)(/([0-9]+))?", .regex, "user"),
            Fixture.rule("/p", .prefix, "plain"),
        ])])
        let scratch = MatchScratch()
        #expect(table.winner(host: "", path: "/u/ann/42", scratch: scratch) == "user")
        #expect(scratch.capture(0) == 0..<9)
        #expect(scratch.capture(1) == 3..<6)
        #expect(scratch.capture(3) == 7..<9)
        #expect(scratch.capture(4) == nil)
        #expect(scratch.capture(-1) == nil)
        #expect(table.winner(host: "", path: "/u/bob", scratch: scratch) == "user")
        #expect(scratch.capture(1) == 3..<6)
        #expect(scratch.capture(3) == nil)                 // optional group that did not participate
        #expect(table.winner(host: "", path: "/p", scratch: scratch) == "plain")
        #expect(scratch.capture(0) == nil)
    }

    /// A pattern with more groups than the scratch holds grows it and still reports the last group.
    @Test func manyGroups() {
        let pattern = "/" + String(repeating: "(x)", count: 40)
        let (table, _) = Fixture.compile([RouteConfig(host: nil, paths: [Fixture.rule(pattern, .regex, "many")])])
        let scratch = MatchScratch()
        #expect(table.winner(host: "", path: "/" + String(repeating: "x", count: 40), scratch: scratch) == "many")
        #expect(scratch.capture(40) == 40..<41)
    }

    /// An empty path reaches the regex matcher safely.
    @Test func emptyPath() {
        let (table, _) = Fixture.compile([RouteConfig(host: nil, paths: [Fixture.rule("", .regex, "empty")])])
        #expect(table.winner(host: "", path: "") == "empty")
        #expect(table.winner(host: "", path: "/") == nil)
    }

    /// Catastrophic backtracking hits the match limit and counts as no match instead of hanging.
    @Test func matchLimit() {
        let (table, _) = Fixture.compile([RouteConfig(host: nil, paths: [
            Fixture.rule("/(a+)+$", .regex, "evil", flavor: .nginxCompatible),
            Fixture.rule("/", .prefix, "root"),
        ])])
        #expect(table.winner(host: "", path: "/" + String(repeating: "a", count: 40) + "!") == "root")
    }
}
