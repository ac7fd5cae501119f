import ApusCore
import Testing

/// The compressible-types list and per-route compression settings.
@Suite struct CompressionPolicyTests {
    static let defaults = MediaTypeList(CompressionConfig.defaultTypes.compactMap(MediaRange.parse))

    /// Media ranges accepted in `types:` (stored lowercase) and the ones refused.
    @Test(arguments: [
        ("text/*", "text/*"),
        ("Application/JSON", "application/json"),
        ("*/*", "*/*"),
        ("application/*+json", "application/*+json"),
        ("*/*+xml", "*/*+xml"),
        ("application/vnd.api+json", "application/vnd.api+json"),
        ("text", nil),
        ("text/", nil),
        ("/json", nil),
        ("*/json", nil),
        ("text/*+", nil),
        ("text/html; charset=utf-8", nil),
        ("te xt/html", nil),
        ("application/*json", nil),
    ] as [(String, String?)])
    func parsesRanges(_ text: String, _ expected: String?) {
        #expect(MediaRange.parse(text)?.description == expected, "\(text)")
    }

    /// Content-Type values against the default list: media type only (parameters, case and
    /// whitespace ignored), `+json`/`+xml` suffix types included, binary types not.
    @Test(arguments: [
        ("text/html; charset=utf-8", true),
        ("TEXT/HTML", true),
        ("text/event-stream", true),
        ("  application/json  ", true),
        ("application/json;charset=utf-8", true),
        ("application/javascript", true),
        ("application/xml", true),
        ("image/svg+xml", true),
        ("application/problem+json", true),
        ("Application/Vnd.API+JSON; ext=x", true),
        ("application/atom+xml", true),
        ("image/png", false),
        ("application/octet-stream", false),
        ("application/jsonx", false),
        ("application/+json", false),
        ("font/woff2", false),
        ("image/svg", false),
        ("text", false),
        ("/html", false),
        ("", false),
    ])
    func matchesDefaults(_ contentType: String, _ expected: Bool) {
        #expect(Self.defaults.matches(contentType: contentType) == expected, "\(contentType)")
    }

    static func rule(_ path: String, _ action: RouteAction, _ compression: CompressionOverride? = nil) -> PathRuleConfig {
        PathRuleConfig(path: path, match: .prefix, action: action, compression: compression)
    }

    static func compile(_ compression: CompressionConfig, _ rules: [PathRuleConfig]) -> (RouteTable, [Diagnostic]) {
        RouteTableCompiler.compile(Configuration(
            routes: [RouteConfig(host: nil, paths: rules)],
            upstreams: [UpstreamConfig(name: "api", endpoints: [EndpointConfig(address: "127.0.0.1:1")])],
            compression: compression))
    }

    static func policy(_ table: RouteTable, _ path: String) -> CompressionPolicy? {
        table.routes.first { $0.path == path }?.compression
    }

    /// A path rule's override replaces only what it names; equal settings share one policy;
    /// redirects and fixed responses never compress.
    @Test func overridesPerRule() {
        let (table, diagnostics) = Self.compile(CompressionConfig(level: 7, minLength: 10), [
            Self.rule("/a", .proxy(upstream: "api")),
            Self.rule("/b", .staticFiles(StaticFilesConfig(root: "/srv"))),
            Self.rule("/off", .proxy(upstream: "api"), CompressionOverride(gzip: false)),
            Self.rule("/fast", .proxy(upstream: "api"), CompressionOverride(level: 1, types: ["application/json"])),
            Self.rule("/fixed", .fixedResponse(FixedResponseConfig(status: 200))),
        ])
        #expect(diagnostics.isEmpty)
        let a = Self.policy(table, "/a")
        #expect(a?.level == 7 && a?.minLength == 10)
        #expect(a != nil && a === Self.policy(table, "/b"))
        #expect(Self.policy(table, "/off") == nil)
        let fast = Self.policy(table, "/fast")
        #expect(fast?.level == 1 && fast?.minLength == 10)
        #expect(fast?.types.matches(contentType: "application/json") == true)
        #expect(fast?.types.matches(contentType: "text/html") == false)
        #expect(Self.policy(table, "/fixed") == nil)
    }

    /// Top-level gzip off, turned back on for one rule.
    @Test func offByDefaultOnForOne() {
        let (table, _) = Self.compile(CompressionConfig(gzip: false), [
            Self.rule("/a", .proxy(upstream: "api")),
            Self.rule("/b", .proxy(upstream: "api"), CompressionOverride(gzip: true)),
        ])
        #expect(Self.policy(table, "/a") == nil)
        #expect(Self.policy(table, "/b")?.level == CompressionConfig.defaultLevel)
    }

    /// Out-of-range values from a source that didn't check them are diagnosed once and replaced by defaults.
    @Test func invalidValuesFallBack() {
        let location = SourceLocation.file(path: "apus.yaml", line: 3, column: 1)
        let (table, diagnostics) = Self.compile(CompressionConfig(level: 12, minLength: -1, types: ["text/*", "bogus"], location: location), [
            Self.rule("/a", .proxy(upstream: "api")),
            Self.rule("/b", .proxy(upstream: "api")),
        ])
        #expect(diagnostics.map(\.code) == ["invalid-compression-level", "invalid-compression-min-length", "invalid-media-range"])
        #expect(diagnostics.allSatisfy { $0.severity == .warning && $0.location == location })
        let policy = Self.policy(table, "/a")
        #expect(policy?.level == CompressionConfig.defaultLevel)
        #expect(policy?.minLength == CompressionConfig.defaultMinLength)
        #expect(policy?.types.ranges.map(\.description) == ["text/*"])
    }

    /// `/routes` shows each proxy and static route's compression.
    @Test func rendersInRoutesJSON() {
        let (table, _) = Self.compile(CompressionConfig(minLength: 2048, types: ["text/*", "application/*+json"]), [
            Self.rule("/a", .proxy(upstream: "api")),
            Self.rule("/off", .proxy(upstream: "api"), CompressionOverride(gzip: false)),
        ])
        let json = table.renderJSON(generation: 1, diagnostics: [])
        #expect(json.contains(#""path":"/a","type":"Prefix","action":{"type":"proxy","upstream":"api"},"compression":{"gzip":true,"level":5,"minLength":2048,"types":["text/*","application/*+json"]}"#))
        #expect(json.contains(#""path":"/off","type":"Prefix","action":{"type":"proxy","upstream":"api"},"compression":{"gzip":false}"#))
    }
}
