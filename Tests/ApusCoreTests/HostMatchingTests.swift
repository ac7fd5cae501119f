import ApusCore
import Testing

@Suite struct HostMatchingTests {
    static let table = Fixture.compile([
        RouteConfig(host: "app.example.test", paths: [Fixture.rule("/", "app")]),
        RouteConfig(host: "*.example.test", paths: [Fixture.rule("/", "wildcard")]),
        RouteConfig(host: "API.Example.Test", paths: [Fixture.rule("/v1", "api-v1")]),
        RouteConfig(host: nil, paths: [Fixture.rule("/", "any")]),
        RouteConfig(host: "static.test.", paths: [Fixture.rule("/", "static")]),
    ]).0

    static let cases: [(host: String, path: String, expected: String?)] = [
        ("app.example.test", "/x", "app"),
        ("APP.Example.TEST", "/x", "app"),                  // request host any case
        ("app.example.test.", "/x", "app"),                 // trailing dot ignored
        ("other.example.test", "/x", "wildcard"),           // one label
        ("OTHER.EXAMPLE.TEST", "/x", "wildcard"),
        ("a.b.example.test", "/x", "any"),                  // two labels: not the wildcard
        ("example.test", "/x", "any"),                      // zero labels: not the wildcard
        (".example.test", "/x", "any"),                     // empty first label
        ("api.example.test", "/v1/users", "api-v1"),        // route host lowercased; exact beats wildcard
        ("api.example.test", "/v2", nil),                   // no fallthrough to wildcard or catch-all
        ("unknown.test", "/anything", "any"),
        ("", "/", "any"),
        ("static.test", "/", "static"),                     // route host's trailing dot dropped
        ("app.example.tes", "/", "any"),
        ("app.example.testx", "/", "any"),
    ]

    /// Exact hosts win, then one-label wildcards, then the catch-all; case and one trailing dot don't matter.
    @Test(arguments: cases)
    func hostLookup(host: String, path: String, expected: String?) {
        #expect(Self.table.winner(host: host, path: path) == expected)
    }

    /// Without a catch-all, an unknown host gets -1.
    @Test func unknownHostWithoutCatchAll() {
        let (table, _) = Fixture.compile([RouteConfig(host: "a.test", paths: [Fixture.rule("/", "a")])])
        #expect(table.matchIndex(host: "b.test", path: "/", scratch: MatchScratch()) == -1)
        #expect(table.winner(host: "A.TEST", path: "/") == "a")
    }

    /// Two route blocks for one host are merged into one entry.
    @Test func sameHostTwiceIsMerged() {
        let (table, diagnostics) = Fixture.compile([
            RouteConfig(host: "a.test", paths: [Fixture.rule("/one", "one")]),
            RouteConfig(host: "A.test", paths: [Fixture.rule("/two", "two")]),
        ])
        #expect(diagnostics.isEmpty)
        #expect(table.winner(host: "a.test", path: "/one") == "one")
        #expect(table.winner(host: "a.test", path: "/two") == "two")
    }

    /// An empty table matches nothing.
    @Test func emptyTable() {
        let (table, diagnostics) = Fixture.compile([])
        #expect(diagnostics.isEmpty)
        #expect(table.matchIndex(host: "a.test", path: "/", scratch: MatchScratch()) == -1)
    }

    /// Many hosts (forcing table growth and probe chains) all resolve to their own rule.
    @Test func manyHosts() {
        let routes = (0..<500).map { RouteConfig(host: "h\($0).example.test", paths: [Fixture.rule("/", "h\($0)")]) }
        let (table, _) = Fixture.compile(routes)
        for i in stride(from: 0, to: 500, by: 7) {
            #expect(table.winner(host: "H\(i).example.test", path: "/") == "h\(i)")
        }
        #expect(table.winner(host: "h500.example.test", path: "/") == nil)
    }
}
