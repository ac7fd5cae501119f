import ApusCore
import Testing

@Suite struct PathPrecedenceTests {
    typealias Rule = (path: String, kind: PathMatchKind)

    /// The Kubernetes Ingress examples table (DESIGN.md "Prefix"): rules, request, winner path or nil.
    static let kubernetesTable: [(rules: [Rule], request: String, expected: String?)] = [
        ([("/", .prefix)], "/anything/at/all", "/"),
        ([("/foo", .prefix)], "/foo", "/foo"),
        ([("/foo", .prefix)], "/foo/", "/foo"),
        ([("/foo", .prefix)], "/foo/bar", "/foo"),
        ([("/foo", .prefix)], "/foobar", nil),
        ([("/foo/", .prefix)], "/foo", "/foo/"),
        ([("/foo/", .prefix)], "/foo/", "/foo/"),
        ([("/aaa/bbb", .prefix)], "/aaa/bbbxyz", nil),
        ([("/aaa/bbb/", .prefix)], "/aaa/bbb", "/aaa/bbb/"),
        ([("/", .prefix), ("/aaa", .prefix)], "/aaa/ccc", "/aaa"),
        ([("/", .prefix), ("/aaa", .prefix), ("/aaa/bbb", .prefix)], "/aaa/bbb", "/aaa/bbb"),
        ([("/", .prefix), ("/aaa", .prefix), ("/aaa/bbb", .prefix)], "/ccc", "/"),
        ([("/aaa", .prefix)], "/ccc", nil),
        ([("/foo", .exact)], "/foo", "/foo"),
        ([("/foo", .exact)], "/foo/", nil),
        ([("/foo", .exact)], "/FOO", nil),
        ([("/foo/", .exact)], "/foo", nil),
        ([("/aaa/bbb", .prefix)], "/aaa", nil),
        ([("/aaa/bbb", .prefix)], "/", nil),
    ]

    /// Prefix matches by whole path elements, ignoring a trailing slash in the rule; the longest wins.
    @Test(arguments: kubernetesTable)
    func prefixElements(rules: [Rule], request: String, expected: String?) {
        let paths = rules.map { Fixture.rule($0.path, $0.kind, $0.path) }
        let (table, diagnostics) = Fixture.compile([RouteConfig(host: nil, paths: paths)])
        #expect(diagnostics.isEmpty)
        #expect(table.winner(host: "h.test", path: request) == expected)
    }

    static let mixed = Fixture.compile([RouteConfig(host: "m.test", paths: [
        Fixture.rule("/", .prefix, "root"),
        Fixture.rule("/foo", .prefix, "foo-prefix"),
        Fixture.rule("/foo", .exact, "foo-exact"),
        Fixture.rule("/foo/[0-9]+", .regex, "foo-number"),
        Fixture.rule("/foo/1", .exact, "foo-1-exact"),
        Fixture.rule("/foo/bar/baz", .prefix, "baz-prefix"),
        Fixture.rule("/foo/bar/.*", .regex, "bar-regex"),
    ])]).0

    static let precedenceCases: [(path: String, expected: String)] = [
        ("/foo", "foo-exact"),               // Exact beats an equal Prefix
        ("/foo/", "foo-prefix"),
        ("/foo/12", "foo-number"),           // Regex beats a shorter Prefix
        ("/foo/1", "foo-1-exact"),           // Exact beats Regex
        ("/foo/bar/baz/q", "bar-regex"),     // Regex beats even a longer Prefix (nginx order)
        ("/foo/bar", "foo-prefix"),
        ("/foox", "root"),
        ("/", "root"),
    ]

    /// Inside a host: Exact, then Regex in declared order, then the longest Prefix.
    @Test(arguments: precedenceCases)
    func precedence(path: String, expected: String) {
        #expect(Self.mixed.winner(host: "m.test", path: path) == expected)
    }

    /// A deep path against deep prefixes picks the deepest element match.
    @Test func deepPrefixes() {
        let paths = (1...40).map { depth in
            Fixture.rule("/" + (1...depth).map { "d\($0)" }.joined(separator: "/"), .prefix, "depth-\(depth)")
        }
        let (table, _) = Fixture.compile([RouteConfig(host: nil, paths: paths)])
        let request = "/" + (1...60).map { "d\($0)" }.joined(separator: "/")
        #expect(table.winner(host: "", path: request) == "depth-40")
        #expect(table.winner(host: "", path: "/d1/d2/d3x") == "depth-2")
    }

    /// Labels are `host path`, with `*` for any host.
    @Test func labels() {
        let (table, _) = Fixture.compile([
            RouteConfig(host: "A.test", paths: [Fixture.rule("/x", "x")]),
            RouteConfig(host: nil, paths: [Fixture.rule("/api", "api")]),
        ])
        #expect(table.routes.map(\.label) == ["a.test /x", "* /api"])
    }
}
