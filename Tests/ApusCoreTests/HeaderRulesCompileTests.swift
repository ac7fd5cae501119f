import ApusCore
import Testing

/// Header rules, HTTPS redirect and HSTS through the compiler: diagnostics at the element's
/// location, inheritance (path wins per header name), the bytes workers copy, and /routes
/// never showing a file's content or a credential.
@Suite struct HeaderRulesCompileTests {
    static let token = "s3cr3t-token-value"
    static let files = HeaderValueFiles(["/run/token": .value(Array(token.utf8)), "/run/missing": .unusable(reason: "No such file or directory")])

    static func set(_ name: String, _ value: String, line: Int = 30) -> HeaderValueRule {
        HeaderValueRule(name: name, value: .literal(value), location: Fixture.at(line, 1), valueLocation: Fixture.at(line, 20))
    }

    static func fromFile(_ name: String, _ path: String, prefix: String = "", line: Int = 30) -> HeaderValueRule {
        HeaderValueRule(name: name, value: .file(path: path, prefix: prefix), location: Fixture.at(line, 1), valueLocation: Fixture.at(line, 20))
    }

    /// One proxied path `/` under host a.test with `rule` settings, inside a route with `route` settings.
    static func configuration(route: RouteSettings = RouteSettings(), rule: RouteSettings = RouteSettings()) -> Configuration {
        Configuration(
            routes: [RouteConfig(host: "a.test", paths: [
                PathRuleConfig(path: "/", match: .prefix, action: .proxy(upstream: "api"), settings: rule, location: Fixture.at(20)),
            ], settings: route, location: Fixture.at(10))],
            upstreams: [UpstreamConfig(name: "api", endpoints: [EndpointConfig(address: "127.0.0.1:1")])])
    }

    /// The removed names of compiled edits, decoded from their length-prefixed layout.
    static func names(_ edits: CompiledHeaderEdits) -> [String] {
        var names: [String] = []
        var i = 0
        while i < edits.removedNames.count {
            let length = Int(edits.removedNames[i])
            names.append(String(decoding: edits.removedNames[(i + 1)..<(i + 1 + length)], as: UTF8.self))
            i += 1 + length
        }
        return names
    }

    typealias Expected = (code: String, severity: Diagnostic.Severity, line: Int, column: Int)

    static let cases: [(name: String, rule: RouteSettings, expected: [Expected])] = [
        ("valid", RouteSettings(requestHeaders: HeaderRulesConfig(set: [set("X-A", "b")], add: [set("X-B", "c")], remove: [HeaderNameRule(name: "Cookie")])), []),
        ("name with space", RouteSettings(requestHeaders: HeaderRulesConfig(set: [set("X A", "b")])), [("invalid-header-name", .error, 30, 1)]),
        ("empty name", RouteSettings(responseHeaders: HeaderRulesConfig(add: [set("", "b")])), [("invalid-header-name", .error, 30, 1)]),
        ("name of 256 bytes", RouteSettings(requestHeaders: HeaderRulesConfig(remove: [HeaderNameRule(name: String(repeating: "x", count: 256), location: Fixture.at(30))])), [("invalid-header-name", .error, 30, 1)]),
        ("name of 255 bytes", RouteSettings(requestHeaders: HeaderRulesConfig(remove: [HeaderNameRule(name: String(repeating: "x", count: 255), location: Fixture.at(30))])), []),
        ("name with colon", RouteSettings(requestHeaders: HeaderRulesConfig(remove: [HeaderNameRule(name: "X:Y", location: Fixture.at(31, 9))])), [("invalid-header-name", .error, 31, 9)]),
        ("CRLF in value", RouteSettings(requestHeaders: HeaderRulesConfig(set: [set("X-A", "a\r\nEvil: 1")])), [("invalid-header-value", .error, 30, 20)]),
        ("LF in value", RouteSettings(responseHeaders: HeaderRulesConfig(add: [set("X-A", "a\nb")])), [("invalid-header-value", .error, 30, 20)]),
        ("NUL in value", RouteSettings(requestHeaders: HeaderRulesConfig(set: [set("X-A", "a\u{0}b")])), [("invalid-header-value", .error, 30, 20)]),
        ("bell in value", RouteSettings(requestHeaders: HeaderRulesConfig(set: [set("X-A", "a\u{07}")])), [("invalid-header-value", .error, 30, 20)]),
        ("tab and UTF-8 in value", RouteSettings(requestHeaders: HeaderRulesConfig(set: [set("X-A", "a\tü")])), []),
        ("CR in prefix", RouteSettings(requestHeaders: HeaderRulesConfig(set: [fromFile("Authorization", "/run/token", prefix: "Bearer\r")])), [("invalid-header-value", .error, 30, 20)]),
        ("set Content-Length", RouteSettings(requestHeaders: HeaderRulesConfig(set: [set("Content-Length", "1")])), [("managed-header", .error, 30, 1)]),
        ("remove Transfer-Encoding", RouteSettings(responseHeaders: HeaderRulesConfig(remove: [HeaderNameRule(name: "transfer-encoding", location: Fixture.at(30))])), [("managed-header", .error, 30, 1)]),
        ("add Connection", RouteSettings(responseHeaders: HeaderRulesConfig(add: [set("Connection", "close")])), [("managed-header", .error, 30, 1)]),
        ("remove Content-Encoding", RouteSettings(responseHeaders: HeaderRulesConfig(remove: [HeaderNameRule(name: "Content-Encoding", location: Fixture.at(30))])), [("managed-header", .error, 30, 1)]),
        ("set Upgrade", RouteSettings(requestHeaders: HeaderRulesConfig(set: [set("Upgrade", "h2c")])), [("managed-header", .error, 30, 1)]),
        ("set TE, Keep-Alive", RouteSettings(requestHeaders: HeaderRulesConfig(set: [set("TE", "trailers", line: 30), set("Keep-Alive", "1", line: 31)])), [("managed-header", .error, 30, 1), ("managed-header", .error, 31, 1)]),
        ("set Host", RouteSettings(requestHeaders: HeaderRulesConfig(set: [set("Host", "internal.svc")])), []),
        ("add Host", RouteSettings(requestHeaders: HeaderRulesConfig(add: [set("Host", "x")])), [("managed-header", .error, 30, 1)]),
        ("remove Host", RouteSettings(requestHeaders: HeaderRulesConfig(remove: [HeaderNameRule(name: "host", location: Fixture.at(30))])), [("managed-header", .error, 30, 1)]),
        ("response Host", RouteSettings(responseHeaders: HeaderRulesConfig(add: [set("Host", "x")])), []),
        ("set twice", RouteSettings(requestHeaders: HeaderRulesConfig(set: [set("X-A", "1", line: 30), set("x-a", "2", line: 31)])), [("conflicting-header-rules", .error, 31, 1)]),
        ("set and remove", RouteSettings(requestHeaders: HeaderRulesConfig(set: [set("X-A", "1")], remove: [HeaderNameRule(name: "X-A", location: Fixture.at(32))])), [("conflicting-header-rules", .error, 32, 1)]),
        ("remove twice", RouteSettings(requestHeaders: HeaderRulesConfig(remove: [HeaderNameRule(name: "X-A", location: Fixture.at(31)), HeaderNameRule(name: "X-A", location: Fixture.at(32))])), [("duplicate-header-rule", .warning, 32, 1)]),
        ("set and add one name", RouteSettings(requestHeaders: HeaderRulesConfig(set: [set("X-A", "1")], add: [set("X-A", "2", line: 31)])), []),
        ("file unusable", RouteSettings(requestHeaders: HeaderRulesConfig(set: [fromFile("Authorization", "/run/missing")])), [("header-value-file", .error, 30, 20)]),
        ("file not read", RouteSettings(requestHeaders: HeaderRulesConfig(set: [fromFile("Authorization", "/run/other")])), [("header-value-file", .error, 30, 20)]),
        ("https status 303", RouteSettings(httpsRedirect: HTTPSRedirectConfig(enabled: true, status: 303, location: Fixture.at(25))), [("invalid-https-redirect", .error, 25, 1)]),
        ("https port 0", RouteSettings(httpsRedirect: HTTPSRedirectConfig(enabled: true, port: 0, location: Fixture.at(25))), [("invalid-https-redirect", .error, 25, 1)]),
    ]

    /// Each faulty element is diagnosed at its own location and its path rule is dropped; valid ones compile.
    @Test(arguments: cases)
    func diagnostic(name: String, rule: RouteSettings, expected: [Expected]) {
        let (table, diagnostics) = RouteTableCompiler.compile(Self.configuration(rule: rule), files: Self.files)
        #expect(diagnostics.map(\.code) == expected.map(\.code), "\(name): \(diagnostics)")
        #expect(diagnostics.map(\.severity) == expected.map(\.severity), "\(name)")
        #expect(diagnostics.map(\.location) == expected.map { Fixture.at($0.line, $0.column) }, "\(name)")
        let dropped = expected.contains { $0.severity == .error }
        #expect(table.routes.count == (dropped ? 0 : 1), "\(name)")
        for diagnostic in diagnostics {
            #expect(!diagnostic.message.contains(Self.token) && !diagnostic.message.contains("Evil"), "\(name): a value leaked into \(diagnostic.message)")
        }
    }

    /// A faulty route-level rule is reported once and drops every path of the route.
    @Test func routeLevelFaultReportedOnce() {
        var configuration = Self.configuration(route: RouteSettings(responseHeaders: HeaderRulesConfig(set: [Self.set("Content-Length", "0")])))
        configuration.routes[0].paths.append(PathRuleConfig(path: "/b", match: .prefix, action: .proxy(upstream: "api"), location: Fixture.at(21)))
        let (table, diagnostics) = RouteTableCompiler.compile(configuration, files: Self.files)
        #expect(diagnostics.map(\.code) == ["managed-header"])
        #expect(diagnostics[0].message.hasSuffix("the route's 2 path rule(s) are dropped"))
        #expect(table.routes.isEmpty)
    }

    /// Request rules compile to lowercase removed names (set and remove) and lines (set, then add);
    /// a file's trimmed content follows its prefix.
    @Test func compiledBytes() throws {
        let rules = HeaderRulesConfig(
            set: [Self.fromFile("Authorization", "/run/token", prefix: "Bearer "), Self.set("X-Forwarded-Proto", "https")],
            add: [Self.set("X-Extra", "1")], remove: [HeaderNameRule(name: "Cookie")])
        let (table, diagnostics) = RouteTableCompiler.compile(Self.configuration(rule: RouteSettings(requestHeaders: rules)), files: Self.files)
        #expect(diagnostics.isEmpty)
        let edits = try #require(table.routes.first?.requestEdits)
        #expect(Self.names(edits) == ["authorization", "x-forwarded-proto", "cookie"])
        #expect(String(decoding: edits.addedLines, as: UTF8.self)
                == "Authorization: Bearer \(Self.token)\r\nX-Forwarded-Proto: https\r\nX-Extra: 1\r\n")
        #expect(table.routes[0].responseEdits == nil && table.routes[0].responseEditsTLS == nil && table.routes[0].httpsRedirect == nil)
        #expect(!table.routes[0].dependsOnScheme, "request rules alone don't depend on the scheme")
        #expect(edits.removes("COOKIE") && !edits.removes("X-Extra"))
    }

    /// A route without any rule has no edits at all (workers pay one nil test).
    @Test func noRulesNoEdits() {
        let (table, _) = RouteTableCompiler.compile(Self.configuration())
        #expect(table.routes[0].requestEdits == nil && !table.routes[0].dependsOnScheme && table.routes[0].httpsRedirect == nil)
    }

    /// A path's rule for a header replaces everything its route says about that header (set, add or
    /// remove); the route's other rules are inherited.
    @Test func pathWinsPerHeaderName() throws {
        let route = RouteSettings(requestHeaders: HeaderRulesConfig(
            set: [Self.set("X-Team", "route"), Self.set("X-Env", "prod")], add: [Self.set("X-Via", "route")],
            remove: [HeaderNameRule(name: "Cookie")]))
        let rule = RouteSettings(requestHeaders: HeaderRulesConfig(
            set: [Self.set("x-team", "path")], add: [Self.set("Cookie", "path=1")], remove: [HeaderNameRule(name: "X-Via")]))
        let (table, diagnostics) = RouteTableCompiler.compile(Self.configuration(route: route, rule: rule), files: Self.files)
        #expect(diagnostics.isEmpty)
        let edits = try #require(table.routes.first?.requestEdits)
        #expect(Self.names(edits) == ["x-env", "x-team", "x-via"])
        #expect(String(decoding: edits.addedLines, as: UTF8.self) == "X-Env: prod\r\nx-team: path\r\nCookie: path=1\r\n")
    }

    /// HSTS goes into the TLS response edits only, replacing an upstream's own field; a path's rule
    /// for Strict-Transport-Security wins over the route's hsts.
    @Test func hstsOverTLSOnly() throws {
        let route = RouteSettings(responseHeaders: HeaderRulesConfig(set: [Self.set("Server", "edge")]),
                                  hsts: HSTSConfig(maxAgeSeconds: 600, includeSubdomains: true))
        let (table, diagnostics) = RouteTableCompiler.compile(Self.configuration(route: route), files: Self.files)
        #expect(diagnostics.isEmpty)
        let plain = try #require(table.routes.first?.responseEdits)
        let tls = try #require(table.routes.first?.responseEditsTLS)
        #expect(String(decoding: plain.addedLines, as: UTF8.self) == "Server: edge\r\n")
        #expect(String(decoding: tls.addedLines, as: UTF8.self) == "Server: edge\r\nStrict-Transport-Security: max-age=600; includeSubDomains\r\n")
        #expect(tls.removes("strict-transport-security"))
        #expect(table.routes[0].hstsValue == "max-age=600; includeSubDomains")
        #expect(table.routes[0].dependsOnScheme)

        let own = RouteSettings(responseHeaders: HeaderRulesConfig(remove: [HeaderNameRule(name: "Strict-Transport-Security")]))
        let (overridden, _) = RouteTableCompiler.compile(Self.configuration(route: route, rule: own), files: Self.files)
        let tlsOverridden = try #require(overridden.routes.first?.responseEditsTLS)
        #expect(!String(decoding: tlsOverridden.addedLines, as: UTF8.self).contains("Strict"))
        #expect(tlsOverridden.removes("Strict-Transport-Security"))
    }

    /// hsts and a response rule for the same field on one route conflict; preload without its
    /// requirements is a warning.
    @Test func hstsDiagnostics() {
        let clash = RouteSettings(responseHeaders: HeaderRulesConfig(add: [Self.set("Strict-Transport-Security", "max-age=1", line: 12)]),
                                  hsts: HSTSConfig(location: Fixture.at(11)))
        #expect(RouteTableCompiler.compile(Self.configuration(route: clash), files: Self.files).1.map(\.code) == ["conflicting-header-rules"])
        let preload = RouteSettings(hsts: HSTSConfig(maxAgeSeconds: 600, preload: true, location: Fixture.at(11)))
        let (table, diagnostics) = RouteTableCompiler.compile(Self.configuration(route: preload), files: Self.files)
        #expect(diagnostics.map(\.code) == ["hsts-preload"] && diagnostics.map(\.severity) == [.warning])
        #expect(table.routes.first?.hstsValue == "max-age=600; preload")
    }

    /// https_redirect inherits per key; a path can turn it off (an ACME challenge path) or change the status.
    @Test func httpsRedirectInheritance() {
        let route = RouteSettings(httpsRedirect: HTTPSRedirectConfig(enabled: true, port: 8443))
        var configuration = Self.configuration(route: route)
        configuration.routes[0].paths += [
            PathRuleConfig(path: "/.well-known/acme-challenge", match: .prefix, action: .proxy(upstream: "api"),
                           settings: RouteSettings(httpsRedirect: HTTPSRedirectConfig(enabled: false))),
            PathRuleConfig(path: "/old", match: .prefix, action: .proxy(upstream: "api"),
                           settings: RouteSettings(httpsRedirect: HTTPSRedirectConfig(status: 301))),
        ]
        let (table, diagnostics) = RouteTableCompiler.compile(configuration)
        #expect(diagnostics.isEmpty)
        #expect(table.routes.map(\.httpsRedirect) == [
            CompiledHTTPSRedirect(status: 308, port: 8443), nil, CompiledHTTPSRedirect(status: 301, port: 8443),
        ])
        let (defaultPort, _) = RouteTableCompiler.compile(Self.configuration(rule: RouteSettings(httpsRedirect: HTTPSRedirectConfig(enabled: true, port: 443))))
        #expect(defaultPort.routes.first?.httpsRedirect == CompiledHTTPSRedirect(status: 308, port: nil))
    }

    /// /routes shows rules with files by path, credentials redacted, and never a file's content.
    @Test func routesJSONRedacts() {
        let rules = HeaderRulesConfig(
            set: [Self.fromFile("Authorization", "/run/token", prefix: "Bearer "), Self.set("Cookie", "session=abc123"),
                  Self.set("X-Api-Token", "tok-literal")],
            add: [Self.set("X-Visible", "plain")], remove: [HeaderNameRule(name: "X-Debug")])
        let route = RouteSettings(requestHeaders: rules, responseHeaders: HeaderRulesConfig(set: [Self.set("Set-Cookie", "s=1")]),
                                  httpsRedirect: HTTPSRedirectConfig(enabled: true), hsts: HSTSConfig(maxAgeSeconds: 60))
        let (table, diagnostics) = RouteTableCompiler.compile(Self.configuration(route: route), files: Self.files)
        let json = table.renderJSON(generation: 1, diagnostics: diagnostics)
        #expect(json.contains(#""httpsRedirect":{"status":308,"port":443},"hsts":"max-age=60","requestHeaders":{"set":[{"name":"Authorization","valueFromFile":"/run/token","prefix":"Bearer "},{"name":"Cookie","value":"<redacted>"},{"name":"X-Api-Token","value":"<redacted>"}],"add":[{"name":"X-Visible","value":"plain"}],"remove":["X-Debug"]},"responseHeaders":{"set":[{"name":"Set-Cookie","value":"<redacted>"}],"add":[],"remove":[]}"#), "\(json)")
        for secret in [Self.token, "abc123", "tok-literal", "s=1"] {
            #expect(!json.contains(secret), "\(secret) in /routes")
        }
        #expect(!String(describing: Self.files).contains(Self.token))
    }

    /// File content is trimmed; empty, oversized and control-character content is refused without quoting it.
    @Test func fileContent() throws {
        #expect(try HeaderValueFiles.value(fromFileBytes: Array("  tok\n\n".utf8)).get() == Array("tok".utf8))
        #expect(try HeaderValueFiles.value(fromFileBytes: Array("a b\tc\r\n".utf8)).get() == Array("a b\tc".utf8))
        let refused: [(String, String)] = [
            ("\n \n", "is empty"), ("one\ntwo\n", "contains a line break (CR or LF)"), ("a\u{0}b", "contains a NUL byte"),
            ("a\u{1b}[0m", "contains a control character"), (String(repeating: "x", count: 16 * 1024 + 1), "holds more than 16 KiB"),
        ]
        for (content, reason) in refused {
            guard case .failure(let problem) = HeaderValueFiles.value(fromFileBytes: Array(content.utf8)) else {
                Issue.record("accepted \(content.debugDescription.prefix(30))")
                continue
            }
            #expect(problem.reason == reason)
        }
    }
}
