import ApusCore
import Testing

/// `rewrite` and `max_body_size` on path rules: compiled templates, what they write for a
/// matched path, and the diagnostics for rules that cannot carry them.
@Suite struct RewriteCompileTests {
    static func proxyRule(_ path: String, _ kind: PathMatchKind, flavor: RegexFlavor = .fullMatch, rewrite: String? = nil,
                          maxBody: Int64? = nil) -> PathRuleConfig {
        var rule = PathRuleConfig(path: path, match: kind, regexFlavor: flavor, action: .proxy(upstream: "app"), location: Fixture.at(3))
        rule.rewrite = rewrite
        rule.maxBodyBytes = maxBody
        return rule
    }

    static func compile(_ rules: [PathRuleConfig]) -> (RouteTable, [Diagnostic]) {
        RouteTableCompiler.compile(Configuration(
            routes: [RouteConfig(host: nil, paths: rules)],
            upstreams: [UpstreamConfig(name: "app", endpoints: [EndpointConfig(address: "127.0.0.1:9")])]))
    }

    /// What the upstream would be sent for `path?query` (nil: no route, or no rewrite).
    static func rewritten(_ table: RouteTable, _ path: String, query: String = "") -> String? {
        let scratch = MatchScratch()
        let index = table.matchIndex(host: "x.test", path: path, scratch: scratch)
        guard index >= 0, let rewrite = table.routes[index].rewrite else { return nil }
        var out: [UInt8] = []
        var path = path
        var query = query
        path.withUTF8 { p in query.withUTF8 { q in
            rewrite.write(path: UnsafeRawBufferPointer(p), scratch: scratch, query: UnsafeRawBufferPointer(q), into: &out)
        } }
        return String(decoding: out, as: UTF8.self)
    }

    struct Case: Sendable, CustomStringConvertible {
        var pattern: String
        var flavor: RegexFlavor
        var template: String
        var path: String
        var query: String
        var expected: String
        var description: String { "\(pattern) \(template) \(path)\(query)" }
    }

    static let cases: [Case] = [
        // annotations.md's ingress-nginx example: /something(/|$)(.*) with /$2.
        Case(pattern: "/something(/|$)(.*)", flavor: .nginxCompatible, template: "/$2", path: "/something", query: "", expected: "/"),
        Case(pattern: "/something(/|$)(.*)", flavor: .nginxCompatible, template: "/$2", path: "/something/", query: "", expected: "/"),
        Case(pattern: "/something(/|$)(.*)", flavor: .nginxCompatible, template: "/$2", path: "/something/new", query: "?a=1&b", expected: "/new?a=1&b"),
        Case(pattern: "/something(/|$)(.*)", flavor: .nginxCompatible, template: "/$2", path: "/SOMETHING/New/x", query: "", expected: "/New/x"),
        // Start-anchored only: text after the match is not in any group and is dropped.
        Case(pattern: "/app", flavor: .nginxCompatible, template: "/", path: "/app/deep/path", query: "?q", expected: "/?q"),
        Case(pattern: "/v([0-9]+)/(.*)", flavor: .fullMatch, template: "/api/$2/version/$1", path: "/v2/users/7", query: "", expected: "/api/users/7/version/2"),
        Case(pattern: "/(a)?(b)", flavor: .fullMatch, template: "/x$1y$2", path: "/b", query: "", expected: "/xyb"),  // unset group is empty
        Case(pattern: "/files/(.*)", flavor: .fullMatch, template: "$1", path: "/files/a/b", query: "", expected: "/a/b"),  // always origin-form
        Case(pattern: "/files/(.*)", flavor: .fullMatch, template: "$1", path: "/files/", query: "", expected: "/"),
        Case(pattern: "/files/(.*)", flavor: .fullMatch, template: "/$0", path: "/files/x", query: "", expected: "//files/x"),
        // The matched path is decoded: bytes outside pchar are encoded again, '%' included.
        Case(pattern: "/d/(.*)", flavor: .fullMatch, template: "/e/$1", path: "/d/a b%c\u{e9}?#", query: "", expected: "/e/a%20b%25c%C3%A9%3F%23"),
        Case(pattern: "/d/(.*)", flavor: .fullMatch, template: "/e%2F/$1", path: "/d/x:@!$&'()*+,;=~", query: "", expected: "/e%2F/x:@!$&'()*+,;=~"),
    ]

    /// Templates replace the whole path with literals and capture groups; the query follows.
    @Test(arguments: cases) func rewrites(_ c: Case) {
        let (table, diagnostics) = Self.compile([Self.proxyRule(c.pattern, .regex, flavor: c.flavor, rewrite: c.template)])
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(Self.rewritten(table, c.path, query: c.query) == c.expected)
    }

    /// Exact and Prefix rules rewrite to a fixed path (they have no groups).
    @Test func prefixRewrite() {
        let (table, diagnostics) = Self.compile([Self.proxyRule("/old", .prefix, rewrite: "/new/")])
        #expect(diagnostics.isEmpty)
        #expect(Self.rewritten(table, "/old/x", query: "?k=v") == "/new/?k=v")
    }

    struct BadCase: Sendable, CustomStringConvertible {
        var pattern: String
        var kind: PathMatchKind
        var template: String
        var says: String
        var description: String { "\(pattern) \(template)" }
    }

    static let badCases: [BadCase] = [
        BadCase(pattern: "/a/(.*)", kind: .regex, template: "/$2", says: "the regex has 1 capture group(s)"),
        BadCase(pattern: "/a", kind: .prefix, template: "/$1", says: "only a Regex rule has capture groups"),
        BadCase(pattern: "/a", kind: .exact, template: "/$0", says: "only a Regex rule has capture groups"),
        BadCase(pattern: "/a/(.*)", kind: .regex, template: "/$x", says: "'$' must be followed by a group number"),
        BadCase(pattern: "/a/(.*)", kind: .regex, template: "/$1?x=1", says: "'?' cannot appear in a path"),
        BadCase(pattern: "/a/(.*)", kind: .regex, template: "/a b", says: "byte 0x20 cannot appear in a path"),
        BadCase(pattern: "/a/(.*)", kind: .regex, template: "/%zz", says: "'%' must start an escape"),
        BadCase(pattern: "/a/(.*)", kind: .regex, template: "new", says: "must start with '/'"),
    ]

    /// A template that cannot work drops its rule with an error at the rule; neighbours stay.
    @Test(arguments: badCases) func badTemplates(_ c: BadCase) {
        let (table, diagnostics) = Self.compile([Self.proxyRule(c.pattern, c.kind, rewrite: c.template), Self.proxyRule("/", .prefix)])
        #expect(diagnostics.map(\.code) == ["invalid-rewrite"], "\(diagnostics)")
        #expect(diagnostics.first?.message.contains(c.says) == true, "\(diagnostics)")
        #expect(diagnostics.first?.location == Fixture.at(3))
        #expect(table.routes.count == 1)
    }

    /// rewrite on a rule without an upstream is an error; max_body_size there is only a warning.
    @Test func optionsOnLocalRules() {
        var redirect = PathRuleConfig(path: "/r", match: .prefix, action: .redirect(RedirectConfig(status: 308, scheme: "https")))
        redirect.rewrite = "/x"
        var fixed = PathRuleConfig(path: "/f", match: .prefix, action: .fixedResponse(FixedResponseConfig(status: 200)))
        fixed.maxBodyBytes = 10
        let (table, diagnostics) = Self.compile([redirect, fixed, Self.proxyRule("/", .prefix)])
        #expect(diagnostics.map(\.code) == ["rewrite-without-upstream", "max-body-size-unused"], "\(diagnostics)")
        #expect(table.routes.count == 2)
        #expect(table.routes.allSatisfy { $0.maxBodyBytes == nil && $0.rewrite == nil })
    }

    /// Routes without the options carry nil for both (nothing to look at per request), and
    /// /routes shows them only where set.
    @Test func routesJSON() {
        let (table, _) = Self.compile([
            Self.proxyRule("/a/(.*)", .regex, rewrite: "/b/$1", maxBody: 8 << 20),
            Self.proxyRule("/open", .prefix, maxBody: 0),
            Self.proxyRule("/", .prefix),
        ])
        let plain = table.routes.first { $0.path == "/" }
        #expect(plain?.rewrite == nil && plain?.maxBodyBytes == nil)
        let json = table.renderJSON(generation: 1, diagnostics: [])
        #expect(json.contains(#""rewrite":"/b/$1""#), "\(json)")
        #expect(json.contains(#""maxBodyBytes":8388608"#))
        #expect(json.contains(#""maxBodyBytes":0"#))
        #expect(table.routes.filter { $0.rewrite != nil }.count == 1)
    }
}
