import ApusConfigFile
import ApusCore
import Testing

private let at = ConfigFileTestSupport.at

/// Every key of the schema, with the line numbers the expectations below refer to.
private let fullSchema = """
workers: 4
admin:
  listen: 127.0.0.1:9901
listeners:
  - name: http
    listen: 0.0.0.0:8080
  - listen: "[::]:8080"
routes:
  - host: app.example.test
    paths:
      - path: /api
        type: Prefix
        upstream: api
      - path: /
        static:
          root: www
          index: home.html
  - host: "*.example.test"
    paths:
      - path: /old
        type: Exact
        redirect: { status: 301, scheme: https, host: example.com, path: /new }
      - path: /health
        type: Exact
        respond: { status: 204, body: "ok\\n", content_type: text/plain }
      - path: /v[0-9]+/.*
        type: Regex
        static: { root: /srv/www }
  - paths:
      - path: /
        redirect: { scheme: https }
upstreams:
  api:
    endpoints: [127.0.0.1:9001, 127.0.0.1:9002]
    balance: least_conn
    keepalive: { max_idle: 8, idle_timeout: 90s }
    connect_timeout: 2s
    read_timeout: 250ms
    send_timeout: 1m
  static:
    endpoints:
      - "[::1]:9003"
limits: { max_head_size: 32k, max_headers: 50, max_uri_length: 4096, max_body_size: 1g }
timeouts: { header_read: 10s, keepalive: 1m, upstream_connect: 3, upstream_read: 2m, upstream_send: 500ms, drain: 1h, tunnel_idle: 90s }
access_log: { format: json, path: logs/access.log }
idle_naps: false

"""

@Suite struct ParseSchemaTests {
    /// The full schema parses, without diagnostics, into exactly the expected values and locations.
    @Test func fullSchemaRoundsIntoConfiguration() {
        let (configuration, diagnostics) = ConfigFileParser.parse(fullSchema, path: ConfigFileTestSupport.path)
        #expect(diagnostics == [])
        var expected = Configuration(
            workers: .count(4),
            admin: AdminConfig(listen: "127.0.0.1:9901", location: at(3, 3)),
            listeners: [
                ListenerConfig(name: "http", listen: "0.0.0.0:8080", location: at(5, 5)),
                ListenerConfig(name: "[::]:8080", listen: "[::]:8080", location: at(7, 5)),
            ],
            routes: [
                RouteConfig(host: "app.example.test", paths: [
                    PathRuleConfig(path: "/api", match: .prefix, action: .proxy(upstream: "api"), location: at(11, 9)),
                    PathRuleConfig(path: "/", match: .prefix,
                                   action: .staticFiles(StaticFilesConfig(root: "/etc/apus/www", index: "home.html")),
                                   location: at(14, 9)),
                ], location: at(9, 5)),
                RouteConfig(host: "*.example.test", paths: [
                    PathRuleConfig(path: "/old", match: .exact, action: .redirect(RedirectConfig(
                        status: 301, scheme: "https", host: "example.com", path: "/new")), location: at(20, 9)),
                    PathRuleConfig(path: "/health", match: .exact, action: .fixedResponse(FixedResponseConfig(
                        status: 204, body: "ok\n", contentType: "text/plain")), location: at(23, 9)),
                    PathRuleConfig(path: "/v[0-9]+/.*", match: .regex,
                                   action: .staticFiles(StaticFilesConfig(root: "/srv/www")), location: at(26, 9)),
                ], location: at(18, 5)),
                RouteConfig(host: nil, paths: [
                    PathRuleConfig(path: "/", match: .prefix, action: .redirect(RedirectConfig(scheme: "https")),
                                   location: at(30, 9)),
                ], location: at(29, 5)),
            ],
            upstreams: [
                UpstreamConfig(
                    name: "api",
                    endpoints: [
                        EndpointConfig(address: "127.0.0.1:9001", location: at(34, 17)),
                        EndpointConfig(address: "127.0.0.1:9002", location: at(34, 33)),
                    ],
                    balance: .leastConnections,
                    keepAlive: KeepAliveConfig(maxIdle: 8, idleTimeoutMilliseconds: 90_000),
                    connectTimeoutMilliseconds: 2_000, readTimeoutMilliseconds: 250, sendTimeoutMilliseconds: 60_000,
                    location: at(33, 3)),
                UpstreamConfig(
                    name: "static", endpoints: [EndpointConfig(address: "[::1]:9003", location: at(42, 9))],
                    location: at(40, 3)),
            ],
            limits: LimitsConfig(maxHeadBytes: 32_768, maxHeaderCount: 50, maxURIBytes: 4_096, maxBodyBytes: 1 << 30),
            timeouts: TimeoutsConfig(
                headerRead: 10_000, keepAliveIdle: 60_000, upstreamConnect: 3_000,
                upstreamRead: 120_000, upstreamSend: 500, drain: 3_600_000, tunnelIdle: 90_000),
            accessLog: AccessLogConfig(format: .json, path: "/etc/apus/logs/access.log"))
        expected.workersLocation = at(1, 10)
        expected.idleNaps = false
        #expect(configuration == expected)
    }

    /// Sections left out take the defaults of the `Configuration` initialisers.
    @Test func omittedSectionsUseDefaults() {
        let yaml = "listeners:\n  - listen: 0.0.0.0:80\n"
        let (configuration, diagnostics) = ConfigFileParser.parse(yaml, path: "apus.yaml")
        #expect(diagnostics == [])
        let listener = ListenerConfig(name: "0.0.0.0:80", listen: "0.0.0.0:80",
                                      location: .file(path: "apus.yaml", line: 2, column: 5))
        #expect(configuration == Configuration(listeners: [listener]))
    }

    /// Null values of optional keys read as absent: `admin: ~` means no admin listener.
    @Test func nullOptionalValuesAreAbsent() {
        let yaml = "workers: ~\nadmin: ~\nroutes:\nupstreams:\naccess_log: { path: \"-\" }\n"
        let (configuration, diagnostics) = ConfigFileParser.parse(yaml, path: "apus.yaml")
        #expect(diagnostics == [])
        #expect(configuration == Configuration())
    }

    /// Relative paths resolve against the config file's directory; absolute ones stay as written.
    @Test(arguments: [
        ("www", "/etc/apus/apus.yaml", "/etc/apus/www"),
        ("./www", "/etc/apus/apus.yaml", "/etc/apus/www"),
        ("/srv/www", "/etc/apus/apus.yaml", "/srv/www"),
        ("www", "conf/apus.yaml", "conf/www"),
        ("../www", "conf/examples/proxy.yaml", "conf/examples/../www"),
        ("www", "apus.yaml", "www"),
        ("www", "./apus.yaml", "www"),
        ("www", "/apus.yaml", "/www"),
        (".", "/etc/apus/apus.yaml", "/etc/apus"),
    ])
    func staticRootResolvesAgainstConfigDirectory(root: String, configPath: String, expected: String) {
        let yaml = "routes:\n  - paths:\n      - path: /\n        static: { root: \"\(root)\" }\n"
        let (configuration, diagnostics) = ConfigFileParser.parse(yaml, path: configPath)
        #expect(diagnostics == [])
        #expect(configuration?.routes.first?.paths.first?.action
            == .staticFiles(StaticFilesConfig(root: expected)))
    }

    /// Scalars are read by their text where a string is expected, so numbers and bools are fine.
    @Test func scalarsOfAnyResolvedTypeReadAsStrings() {
        let yaml = "routes:\n  - host: 404\n    paths:\n      - path: /yes\n        upstream: true\n"
        let (configuration, diagnostics) = ConfigFileParser.parse(yaml, path: "a.yaml")
        #expect(diagnostics == [])
        #expect(configuration?.routes.first?.host == "404")
        #expect(configuration?.routes.first?.paths.first?.action == .proxy(upstream: "true"))
    }

    /// Merge keys expand anchors; keys written in the mapping win over merged ones.
    @Test func mergeKeysExpandAnchors() {
        let yaml = """
            upstreams:
              api: &backend
                endpoints: [a:1]
                balance: least_conn
                read_timeout: 5s
              web:
                <<: *backend
                read_timeout: 9s
            """
        let (configuration, diagnostics) = ConfigFileParser.parse(yaml, path: "a.yaml")
        #expect(diagnostics == [])
        let web = configuration?.upstreams.last
        #expect(web?.name == "web")
        #expect(web?.balance == .leastConnections)
        #expect(web?.readTimeoutMilliseconds == 9_000)
        #expect(web?.endpoints == [EndpointConfig(address: "a:1", location: .file(path: "a.yaml", line: 3, column: 17))])
        #expect(web?.location == .file(path: "a.yaml", line: 6, column: 3))
    }

    /// Windows line endings parse like Unix ones, positions included.
    @Test func crlfLineEndings() {
        let yaml = "listeners:\r\n  - name: http\r\n    listen: 0.0.0.0:80\r\n"
        let (configuration, diagnostics) = ConfigFileParser.parse(yaml, path: "a.yaml")
        #expect(diagnostics == [])
        #expect(configuration?.listeners.first?.location == .file(path: "a.yaml", line: 2, column: 5))
    }
}
