import ApusConfigFile
import ApusCore
import Testing

private let at = ConfigFileTestSupport.at

/// `request_headers`, `response_headers`, `https_redirect*` and `hsts` in YAML: values and
/// locations read, structural mistakes diagnosed at `line:column` without quoting values.
@Suite struct HeaderRulesSchemaTests {
    static let yaml = """
    routes:
      - host: app.example.test
        https_redirect: true
        https_port: 8443
        hsts: { max_age: 600, include_subdomains: true }
        response_headers:
          remove: [X-Powered-By]
        paths:
          - path: /k8s
            upstream: kube
            https_redirect_status: 301
            request_headers:
              set:
                - name: Authorization
                  value_from_file: secrets/token
                  prefix: "Bearer "
              add:
                - { name: X-Team, value: 42 }
          - path: /.well-known/acme-challenge
            https_redirect: FALSE
            upstream: kube
    upstreams:
      kube: { endpoints: [127.0.0.1:6443] }
    """

    /// Every key lands in the route or path settings, with locations of names and values; a relative
    /// value_from_file resolves against the config file's directory; scalars are read as text.
    @Test func parses() throws {
        let (parsed, diagnostics) = ConfigFileParser.parse(Self.yaml, path: ConfigFileTestSupport.path)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let configuration = try #require(parsed)
        let route = configuration.routes[0]
        #expect(route.settings == RouteSettings(
            responseHeaders: HeaderRulesConfig(remove: [HeaderNameRule(name: "X-Powered-By", location: at(7, 16))]),
            httpsRedirect: HTTPSRedirectConfig(enabled: true, port: 8443, location: at(3, 5)),
            hsts: HSTSConfig(maxAgeSeconds: 600, includeSubdomains: true, location: at(5, 11))))
        #expect(route.paths[0].settings == RouteSettings(
            requestHeaders: HeaderRulesConfig(
                set: [HeaderValueRule(name: "Authorization", value: .file(path: "/etc/apus/secrets/token", prefix: "Bearer "),
                                      location: at(14, 21), valueLocation: at(15, 32))],
                add: [HeaderValueRule(name: "X-Team", value: .literal("42"), location: at(18, 23), valueLocation: at(18, 38))]),
            httpsRedirect: HTTPSRedirectConfig(status: 301, location: at(11, 9))))
        #expect(route.paths[1].settings.httpsRedirect?.enabled == false)
        #expect(configuration.headerValueFilePaths == ["/etc/apus/secrets/token"])
    }

    static let broken: [(name: String, yaml: String, expected: [String])] = [
        ("both value and file", """
        routes:
          - request_headers:
              set:
                - { name: A, value: x, value_from_file: /t }
            paths: [{ path: /, upstream: u }]
        """, ["4:32: routes[0].request_headers.set[0]: give either 'value' or 'value_from_file', not both"]),
        ("neither", """
        routes:
          - request_headers:
              add: [{ name: A }]
            paths: [{ path: /, upstream: u }]
        """, ["3:13: routes[0].request_headers.add[0]: a header needs 'value' or 'value_from_file'"]),
        ("prefix with a literal", """
        routes:
          - paths:
              - path: /
                upstream: u
                response_headers: { set: [{ name: A, value: x, prefix: "p " }] }
        """, ["5:56: routes[0].paths[0].response_headers.set[0]: 'prefix' goes with 'value_from_file'"]),
        ("unknown keys", """
        routes:
          - paths:
              - path: /
                upstream: u
                hsts: { max_age: 1 }
                request_headers: { replace: [] }
        """, ["5:9: unknown key 'hsts' in routes[0].paths[0]", "6:28: unknown key 'replace' in routes[0].paths[0].request_headers (allowed: set, add, remove)"]),
        ("wrong types", """
        routes:
          - https_redirect: yes
            https_redirect_status: permanent
            hsts: { preload: 1 }
            request_headers: { remove: [[a]] }
            paths: [{ path: /, upstream: u }]
        """, [
            "2:21: routes[0].https_redirect: expected true or false, found 'yes'",
            "3:28: routes[0].https_redirect_status: expected an integer, found a string",
            "4:22: routes[0].hsts.preload: expected true or false, found '1'",
            "5:33: routes[0].request_headers.remove[0]: expected a string, found a sequence (a header name)",
        ]),
        ("null value", """
        routes:
          - request_headers: { set: [{ name: A, value: }] }
            paths: [{ path: /, upstream: u }]
        """, ["2:48: routes[0].request_headers.set[0].value: expected a string, found null"]),
    ]

    /// Structural mistakes are errors at the offending key or value.
    @Test(arguments: broken)
    func diagnoses(name: String, yaml: String, expected: [String]) {
        let actual = ConfigFileTestSupport.summaries(yaml)
        #expect(actual.count == expected.count, "\(name): \(actual)")
        for (actual, expected) in zip(actual, expected) {
            let position = expected.prefix { $0 != " " }
            #expect(actual.hasPrefix(position), "\(name): \(actual)")
            #expect(actual.contains(expected.dropFirst(position.count + 1)), "\(name): \(actual)")
        }
    }
}

/// `allow` and `deny` in YAML: lists of addresses on a route and a path rule; the entries
/// are checked by the compiler at the list's line:column; a list that is not a list is an
/// error at its own location.
@Suite struct AccessListSchemaTests {
    @Test func parsesRouteAndPathLists() throws {
        let yaml = """
        routes:
          - host: app.example.test
            allow: [10.0.0.0/8, "2001:db8::/32"]
            paths:
              - path: /admin
                upstream: app
                deny:
                  - 10.0.0.7
              - path: /public
                upstream: app
                allow: []
        upstreams:
          app: { endpoints: [127.0.0.1:8080] }
        """
        let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let route = try #require(parsed?.routes.first)
        #expect(route.settings.accessList == AccessListConfig(allow: ["10.0.0.0/8", "2001:db8::/32"], location: at(3, 5)))
        #expect(route.paths[0].settings.accessList == AccessListConfig(deny: ["10.0.0.7"], location: at(7, 9)))
        #expect(route.paths[1].settings.accessList == AccessListConfig(allow: [], location: at(11, 9)))
    }

    @Test func mistakesAreDiagnosedWhereTheyStand() {
        let notAList = """
        routes:
          - paths:
              - path: /
                upstream: app
                allow: 10.0.0.0/8
        upstreams:
          app: { endpoints: [127.0.0.1:8080] }
        """
        let (_, structural) = ConfigFileParser.parse(notAList, path: ConfigFileTestSupport.path)
        #expect(structural.contains { $0.severity == .error && $0.location == at(5, 16) && $0.message.contains("allow") }, "\(structural)")

        let badEntry = """
        routes:
          - paths:
              - path: /b
                upstream: app
                deny: [10.0.0.0/99]
        upstreams:
          app: { endpoints: [127.0.0.1:8080] }
        """
        let (parsed, parseDiagnostics) = ConfigFileParser.parse(badEntry, path: ConfigFileTestSupport.path)
        #expect(parseDiagnostics.isEmpty, "\(parseDiagnostics)")
        guard let parsed else { return }
        let (_, diagnostics) = RouteTableCompiler.compile(parsed)
        #expect(diagnostics.contains { $0.code == "invalid-address-range" && $0.location == at(5, 9) }, "\(diagnostics)")
    }
}

@Suite struct ClientAddressSchemaTests {
    @Test func parsesTrustedProxies() throws {
        let yaml = """
        client_address:
          trusted_proxies: [10.0.0.0/8, "2001:db8::/32"]
          header: X-Original-Forwarded-For
        """
        let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(parsed?.clientAddress == ClientAddressConfig(
            trustedProxies: ["10.0.0.0/8", "2001:db8::/32"], header: "X-Original-Forwarded-For", location: at(2, 3)))
        let (_, missing) = ConfigFileParser.parse("client_address: { header: X-Forwarded-For }", path: ConfigFileTestSupport.path)
        #expect(missing.contains { $0.severity == .error && $0.message.contains("trusted_proxies") }, "\(missing)")
    }
}

@Suite struct ProxyProtocolSchemaTests {
    @Test func aListenerExpectsProxyHeadersOnlyWhenAsked() throws {
        let yaml = """
        listeners:
          - { listen: 0.0.0.0:8080, proxy_protocol: true }
          - { listen: 0.0.0.0:8081 }
        """
        let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(parsed?.listeners.map(\.proxyProtocol) == [true, false])
        let (_, wrong) = ConfigFileParser.parse("listeners: [{ listen: 0.0.0.0:8080, proxy_protocol: v2 }]", path: ConfigFileTestSupport.path)
        #expect(wrong.contains { $0.severity == .error && $0.message.contains("proxy_protocol") }, "\(wrong)")
    }
}

@Suite struct CORSAndBasicAuthSchemaTests {
    @Test func corsForms() throws {
        let yaml = """
        routes:
          - cors: { allow_origins: "https://a.example.com, https://*.example.org", allow_methods: [GET, POST], max_age: 10m }
            paths: [{ path: /, upstream: app, cors: false }, { path: /open, upstream: app, cors: true }]
        upstreams: { app: { endpoints: [127.0.0.1:9000] } }
        """
        let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let route = try #require(parsed?.routes.first)
        #expect(route.settings.cors?.allowOrigins == ["https://a.example.com", "https://*.example.org"])
        #expect(route.settings.cors?.allowMethods == "GET, POST")
        #expect(route.settings.cors?.maxAgeSeconds == 600)
        #expect(route.settings.cors?.allowCredentials == false)
        #expect(route.paths.map { $0.settings.cors?.enabled } == [false, true])
        // Credentials with any origin: browsers refuse it, so the file says so.
        let (_, refused) = ConfigFileParser.parse("routes: [{ cors: { allow_credentials: true }, paths: [] }]", path: ConfigFileTestSupport.path)
        #expect(refused.contains { $0.code == "invalid-cors" && $0.message.contains("list the origins") }, "\(refused)")
    }

    @Test func basicAuthNeedsAReadableFile() throws {
        let (_, missing) = ConfigFileParser.parse("routes: [{ basic_auth: { htpasswd: /nonexistent/users }, paths: [] }]", path: ConfigFileTestSupport.path)
        #expect(missing.contains { $0.code == "basic-auth" && $0.message.contains("cannot read /nonexistent/users") }, "\(missing)")
        let (_, bare) = ConfigFileParser.parse("routes: [{ basic_auth: true, paths: [] }]", path: ConfigFileTestSupport.path)
        #expect(bare.contains { $0.code == "basic-auth" && $0.message.contains("names no users") }, "\(bare)")
    }
}

@Suite struct RetryPolicySchemaTests {
    @Test func maxTriesAndRetryWindow() throws {
        let yaml = "upstreams: { app: { endpoints: [127.0.0.1:9000], max_tries: 0, retry_window: 10s } }"
        let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(parsed?.upstreams.first?.failures == UpstreamFailurePolicy(maxTries: 0, retryWindowMilliseconds: 10_000))
        let (_, wrong) = ConfigFileParser.parse("upstreams: { app: { endpoints: [127.0.0.1:9000], max_tries: 65 } }", path: ConfigFileTestSupport.path)
        #expect(wrong.contains { $0.severity == .error && $0.message.contains("max_tries") }, "\(wrong)")
    }
}

/// `external_auth` in YAML: every key, `false` on a path, the upstream made for the
/// service, and a bad value reported by the compiler at its line and column.
@Suite struct ExternalAuthSchemaTests {
    @Test func everyKeyAndTheServiceUpstream() throws {
        let yaml = """
        routes:
          - external_auth:
              url: https://10.1.2.3:8443/verify?host=$host
              method: HEAD
              signin: https://sso.example.test/start
              signin_redirect_param: next
              response_headers: [X-User, X-Groups]
              request_redirect: $scheme://$host$request_uri
              cache_key: $http_authorization
              cache_duration: 200 5m
              always_set_cookie: true
            paths: [{ path: /, upstream: app }, { path: /health, upstream: app, external_auth: false }]
        upstreams: { app: { endpoints: [127.0.0.1:9000] } }
        """
        let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let configuration = try #require(parsed)
        let auth = try #require(configuration.routes.first?.settings.externalAuth)
        #expect(auth == ExternalAuthConfig(
            url: "https://10.1.2.3:8443/verify?host=$host", method: "HEAD", signin: "https://sso.example.test/start",
            signinRedirectParam: "next", responseHeaders: ["X-User", "X-Groups"], requestRedirect: "$scheme://$host$request_uri",
            cacheKey: "$http_authorization", cacheDuration: "200 5m", alwaysSetCookie: true, location: ConfigFileTestSupport.at(3, 12)))
        #expect(configuration.routes.first?.paths.last?.settings.externalAuth?.enabled == false)
        let upstream = try #require(configuration.upstreams.first { $0.name == "external-auth https://10.1.2.3:8443" })
        #expect(upstream.endpoints.map(\.address) == ["10.1.2.3:8443"] && upstream.tls?.verify == true)
        let (table, compiled) = RouteTableCompiler.compile(configuration)
        #expect(!compiled.contains { $0.severity == .error || $0.code == "unused-upstream" }, "\(compiled)")
        #expect(table.routes.first { $0.path == "/" }?.externalAuth?.signin?.written == "https://sso.example.test/start?next=$pass_access_scheme://$http_host$escaped_request_uri")
        #expect(table.routes.first { $0.path == "/health" }?.externalAuth == nil)
    }

    @Test func badValuesAtTheirLocation() throws {
        let yaml = """
        routes:
          - paths:
              - path: /
                upstream: app
                external_auth: { url: "http://auth.internal/check?$nope", method: FETCH }
        upstreams: { app: { endpoints: [127.0.0.1:9000] } }
        """
        let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let (_, compiled) = RouteTableCompiler.compile(try #require(parsed))
        let errors = compiled.filter { $0.code == "invalid-external-auth" }
        #expect(errors.contains { $0.message.contains("$nope") && $0.location == ConfigFileTestSupport.at(5, 31) }, "\(errors)")
        #expect(errors.contains { $0.message.contains("'FETCH'") }, "\(errors)")
        let (_, bare) = ConfigFileParser.parse("routes: [{ external_auth: true, paths: [] }]", path: ConfigFileTestSupport.path)
        #expect(bare.contains { $0.code == "external-auth" && $0.message.contains("names no service") }, "\(bare)")
    }
}
