import ApusCore
import Testing

@Suite struct CompilerDiagnosticsTests {
    typealias Expected = (code: String, severity: Diagnostic.Severity, line: Int)

    static func upstream(_ name: String = "api", _ endpoints: [String] = ["127.0.0.1:8080"], line: Int = 50) -> UpstreamConfig {
        UpstreamConfig(name: name, endpoints: endpoints.enumerated().map { EndpointConfig(address: $1, location: Fixture.at(line + 1 + $0)) }, location: Fixture.at(line))
    }

    static func proxyRoute(_ host: String? = nil, _ path: String = "/", _ kind: PathMatchKind = .prefix, to upstream: String = "api", line: Int = 10) -> RouteConfig {
        RouteConfig(host: host, paths: [PathRuleConfig(path: path, match: kind, action: .proxy(upstream: upstream), location: Fixture.at(line))], location: Fixture.at(line - 1))
    }

    static func actionRoute(_ action: RouteAction, line: Int = 10) -> RouteConfig {
        RouteConfig(host: nil, paths: [PathRuleConfig(path: "/", match: .prefix, action: action, location: Fixture.at(line))])
    }

    static func base(_ edit: (inout Configuration) -> Void) -> Configuration {
        var configuration = Configuration(
            listeners: [ListenerConfig(name: "http", listen: "0.0.0.0:8080", location: Fixture.at(1))],
            routes: [proxyRoute()], upstreams: [upstream()])
        edit(&configuration)
        return configuration
    }

    static let cases: [(name: String, configuration: Configuration, expected: [Expected])] = [
        ("valid", base { _ in }, []),
        ("listener without port", base { $0.listeners.append(ListenerConfig(name: "b", listen: "0.0.0.0", location: Fixture.at(2))) }, [("invalid-listen-address", .error, 2)]),
        ("listener hostname", base { $0.listeners.append(ListenerConfig(name: "b", listen: "example.test:80", location: Fixture.at(2))) }, [("invalid-listen-address", .error, 2)]),
        ("listener bad port", base { $0.listeners.append(ListenerConfig(name: "b", listen: "0.0.0.0:99999", location: Fixture.at(2))) }, [("invalid-listen-address", .error, 2)]),
        ("listener port 0", base { $0.listeners.append(ListenerConfig(name: "b", listen: "127.0.0.1:0", location: Fixture.at(2))) }, [("listen-port-zero", .error, 2)]),
        ("listener duplicate address", base { $0.listeners.append(ListenerConfig(name: "b", listen: "*:8080", location: Fixture.at(2))) }, [("duplicate-listen-address", .error, 2)]),
        ("listener duplicate name", base { $0.listeners.append(ListenerConfig(name: "http", listen: "0.0.0.0:8081", location: Fixture.at(2))) }, [("duplicate-listener-name", .error, 2)]),
        ("admin invalid", base { $0.admin = AdminConfig(listen: "localhost", location: Fixture.at(3)) }, [("invalid-admin-address", .error, 3)]),
        ("admin on a listener", base { $0.admin = AdminConfig(listen: "0.0.0.0:8080", location: Fixture.at(3)) }, [("admin-address-conflict", .error, 3)]),
        ("admin inside a wildcard listener", base { $0.admin = AdminConfig(listen: "127.0.0.1:8080", location: Fixture.at(3)) }, [("admin-address-conflict", .error, 3)]),
        ("admin on another port", base { $0.admin = AdminConfig(listen: "127.0.0.1:9901", location: Fixture.at(3)) }, []),
        ("workers zero", base { $0.workers = .count(0); $0.workersLocation = Fixture.at(4) }, [("invalid-workers", .error, 4)]),
        ("upstream without endpoints", base { $0.upstreams = [upstream("api", [])] }, [("upstream-no-endpoints", .warning, 50)]),
        ("endpoint hostname", base { $0.upstreams = [upstream("api", ["127.0.0.1:1", "backend.internal:80"])] }, [("invalid-endpoint", .error, 52)]),
        ("endpoint unbracketed IPv6", base { $0.upstreams = [upstream("api", ["::1:80"])] }, [("invalid-endpoint", .error, 51), ("upstream-no-endpoints", .warning, 50)]),
        ("endpoint wildcard", base { $0.upstreams = [upstream("api", ["127.0.0.1:1", "*:80"])] }, [("invalid-endpoint", .error, 52)]),
        ("endpoint duplicate", base { $0.upstreams = [upstream("api", ["[::1]:80", "[0:0::1]:80"])] }, [("duplicate-endpoint", .warning, 52)]),
        ("endpoint localhost twice", base { $0.upstreams = [upstream("api", ["localhost:80", "127.0.0.1:80"])] }, [("duplicate-endpoint", .warning, 52)]),
        ("connect timeout 0", base { $0.upstreams[0].connectTimeoutMilliseconds = 0 }, [("invalid-timeout", .error, 50)]),
        ("read timeout negative", base { $0.upstreams[0].readTimeoutMilliseconds = -5 }, [("invalid-timeout", .error, 50)]),
        ("send timeout 0", base { $0.upstreams[0].sendTimeoutMilliseconds = 0 }, [("invalid-timeout", .error, 50)]),
        ("keepalive idle timeout 0", base { $0.upstreams[0].keepAlive.idleTimeoutMilliseconds = 0 }, [("invalid-keepalive", .error, 50)]),
        ("keepalive negative idle count", base { $0.upstreams[0].keepAlive.maxIdle = -1 }, [("invalid-keepalive", .error, 50)]),
        ("duplicate upstream", base { $0.upstreams.append(upstream("api", ["127.0.0.1:9"], line: 60)) }, [("duplicate-upstream", .error, 60)]),
        ("unused upstream", base { $0.upstreams.append(upstream("spare", line: 60)) }, [("unused-upstream", .warning, 60)]),
        ("undefined upstream", base { $0.routes.append(proxyRoute("b.test", to: "nope", line: 20)) }, [("undefined-upstream", .error, 20)]),
        ("exact path without slash", base { $0.routes.append(proxyRoute("b.test", "api", .exact, line: 20)) }, [("invalid-path", .error, 20)]),
        ("prefix path without slash", base { $0.routes.append(proxyRoute("b.test", "", .prefix, line: 20)) }, [("invalid-path", .error, 20)]),
        ("invalid regex", base { $0.routes.append(proxyRoute("b.test", "[", .regex, line: 20)) }, [("invalid-regex", .error, 20)]),
        ("duplicate route", base { $0.routes.append(proxyRoute(nil, "/", line: 20)) }, [("duplicate-route", .error, 20)]),
        ("duplicate prefix with trailing slash", base { $0.routes += [proxyRoute("b.test", "/a", line: 20), proxyRoute("B.test", "/a/", line: 22)] }, [("duplicate-route", .error, 22)]),
        ("redirect 200", base { $0.routes.append(actionRoute(.redirect(RedirectConfig(status: 200)), line: 20)) }, [("invalid-redirect-status", .error, 20)]),
        ("fixed 600", base { $0.routes.append(actionRoute(.fixedResponse(FixedResponseConfig(status: 600)), line: 20)) }, [("invalid-fixed-status", .error, 20)]),
        ("fixed 199", base { $0.routes.append(actionRoute(.fixedResponse(FixedResponseConfig(status: 199)), line: 20)) }, [("invalid-fixed-status", .error, 20)]),
        ("static root empty", base { $0.routes.append(actionRoute(.staticFiles(StaticFilesConfig(root: "")), line: 20)) }, [("empty-static-root", .error, 20)]),
        ("static fallback escaping", base { $0.routes.append(actionRoute(.staticFiles(StaticFilesConfig(root: "/srv", fallback: "../etc/passwd")), line: 20)) }, [("invalid-static-fallback", .error, 20)]),
        ("static fallback empty", base { $0.routes.append(actionRoute(.staticFiles(StaticFilesConfig(root: "/srv", fallback: "")), line: 20)) }, [("invalid-static-fallback", .error, 20)]),
    ]

    /// Each invalid element yields its stable code, severity and the element's own location.
    @Test(arguments: cases)
    func diagnostic(name: String, configuration: Configuration, expected: [Expected]) {
        let (_, diagnostics) = RouteTableCompiler.compile(configuration)
        let found = diagnostics.map { ($0.code, $0.severity, $0.location) }
        #expect(found.map(\.0) == expected.map(\.code), "\(name): \(diagnostics)")
        #expect(found.map(\.1) == expected.map(\.severity), "\(name)")
        #expect(found.map(\.2) == expected.map { Fixture.at($0.line) }, "\(name)")
    }

    static let badHosts: [String] = [
        "", "a.*.test", "*", "*.", "**.test", "a*.test", "*a.test", "app.test:8080", "a..test", ".a.test",
        "-a.test", "a-.test", "a_b.test", "ü.test", "a b.test", String(repeating: "a", count: 64) + ".test",
        Array(repeating: "abcdefghi", count: 26).joined(separator: "."), "[::1]",
    ]

    /// Route hosts must be DNS labels with at most a leading `*.` label; no ports, no empties.
    @Test(arguments: badHosts)
    func invalidHost(host: String) {
        let (table, diagnostics) = RouteTableCompiler.compile(Self.base { $0.routes.append(Self.proxyRoute(host, "/x", line: 20)) })
        #expect(diagnostics.map(\.code) == ["invalid-host"])
        #expect(diagnostics.first?.location == Fixture.at(19))
        #expect(table.routes.count == 1)
    }

    static let goodHosts: [(written: String, compiled: String)] = [
        ("App.Example.TEST", "app.example.test"), ("*.Example.test", "*.example.test"), ("a-b.c1.test.", "a-b.c1.test"),
        ("localhost", "localhost"), ("10.0.0.1", "10.0.0.1"), ("*.test", "*.test"),
    ]

    /// Valid hosts compile lowercase, without a trailing dot.
    @Test(arguments: goodHosts)
    func validHost(written: String, compiled: String) {
        let (table, diagnostics) = RouteTableCompiler.compile(Self.base { $0.routes.append(Self.proxyRoute(written, "/x")) })
        #expect(diagnostics.isEmpty)
        #expect(table.routes.last?.host == compiled)
    }

    /// A duplicate rule is dropped, the first is kept, and the message names the first's location.
    @Test func duplicateKeepsFirst() {
        let (table, diagnostics) = Fixture.compile([
            RouteConfig(host: "d.test", paths: [Fixture.rule("/a", .exact, "first", line: 5), Fixture.rule("/a", .prefix, "prefix", line: 6)]),
            RouteConfig(host: "D.TEST", paths: [Fixture.rule("/a", .exact, "second", line: 9)]),
        ])
        #expect(diagnostics.map(\.code) == ["duplicate-route"])
        #expect(diagnostics[0].message.contains("apus.yaml:5:1"))
        #expect(table.winner(host: "d.test", path: "/a") == "first")
        #expect(table.winner(host: "d.test", path: "/a/b") == "prefix")
    }

    /// A route whose upstream has no endpoints is kept (it answers 503); bad endpoints are dropped.
    @Test func upstreamEndpoints() {
        let configuration = Self.base { $0.upstreams = [Self.upstream("api", ["bad", "[::FFFF:1.2.3.4]:80", "localhost:81"])] }
        let (table, _) = RouteTableCompiler.compile(configuration)
        #expect(table.upstreams[0].endpoints.map(\.description) == ["[::ffff:1.2.3.4]:80", "127.0.0.1:81"])
        let (empty, _) = RouteTableCompiler.compile(Self.base { $0.upstreams = [Self.upstream("api", [])] })
        #expect(empty.routes.count == 1)
    }

    /// Global limits and timeouts pass through; upstream timeouts default to the global ones and fall back on errors.
    @Test func passThrough() {
        let limits = LimitsConfig(maxHeadBytes: 1, maxHeaderCount: 2, maxURIBytes: 3, maxBodyBytes: 4)
        let timeouts = TimeoutsConfig(headerRead: 1, keepAliveIdle: 2, upstreamConnect: 3, upstreamRead: 4, upstreamSend: 5, drain: 6)
        let (table, _) = RouteTableCompiler.compile(Self.base {
            $0.limits = limits
            $0.timeouts = timeouts
            $0.upstreams[0].readTimeoutMilliseconds = 40
            $0.upstreams[0].sendTimeoutMilliseconds = 0
            $0.workers = .count(0)
        })
        #expect(table.limits == limits)
        #expect(table.timeouts == timeouts)
        #expect(table.workers == .auto)
        let upstream = table.upstreams[0]
        #expect([upstream.connectTimeoutMilliseconds, upstream.readTimeoutMilliseconds, upstream.sendTimeoutMilliseconds] == [3, 40, 5])
    }

    static let addresses: [(text: String, parsed: String?)] = [
        ("1.2.3.4:80", "1.2.3.4:80"), ("[::1]:443", "[::1]:443"), ("localhost:8080", "127.0.0.1:8080"),
        ("LocalHost:8080", "127.0.0.1:8080"), ("*:80", "0.0.0.0:80"), (":80", "0.0.0.0:80"), ("[2001:DB8::0:1]:1", "[2001:db8::1]:1"),
        ("1.2.3.4", nil), ("1.2.3.4:0", nil), ("1.2.3.4:65536", nil), ("1.2.3:80", nil), ("01.2.3.4:80", nil),
        ("::1:80", nil), ("[::1]", nil), ("[1.2.3.4]:80", nil), ("host.test:80", nil), ("1.2.3.4:+80", nil),
    ]

    /// HostPort.parse accepts IPv4, [IPv6] (canonicalized), localhost and the listen wildcards only.
    @Test(arguments: addresses)
    func hostPortParse(text: String, parsed: String?) {
        #expect(HostPort.parse(text)?.description == parsed)
    }
}
