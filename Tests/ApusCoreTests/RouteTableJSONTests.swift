import ApusCore
import Testing

@Suite struct RouteTableJSONTests {
    /// `/routes` lists listeners, admin, hosts in lookup order with routes in precedence order, upstreams and diagnostics.
    @Test func feature() {
        let configuration = Configuration(
            workers: .count(2),
            admin: AdminConfig(listen: "127.0.0.1:9901"),
            listeners: [ListenerConfig(name: "http", listen: "0.0.0.0:80")],
            routes: [
                RouteConfig(host: nil, paths: [PathRuleConfig(path: "/", match: .prefix, action: .fixedResponse(FixedResponseConfig(status: 404, body: "no")))]),
                RouteConfig(host: "*.w.test", paths: [PathRuleConfig(path: "/s", match: .prefix, action: .staticFiles(StaticFilesConfig(root: "/srv")))]),
                RouteConfig(host: "a.test", paths: [
                    PathRuleConfig(path: "/api", match: .prefix, action: .proxy(upstream: "api")),
                    PathRuleConfig(path: "/r[0-9]", match: .regex, regexFlavor: .nginxCompatible, action: .redirect(RedirectConfig(status: 301, scheme: "https"))),
                    PathRuleConfig(path: "/api", match: .exact, action: .proxy(upstream: "api")),
                    PathRuleConfig(path: "/api/v1", match: .prefix, action: .proxy(upstream: "gone"), location: .file(path: "a.yaml", line: 7, column: 3)),
                ]),
            ],
            upstreams: [UpstreamConfig(name: "api", endpoints: [EndpointConfig(address: "10.0.0.1:8080")], balance: .leastConnections)])
        let (table, diagnostics) = RouteTableCompiler.compile(configuration)
        let expected = #"""
        {"generation":7,"workers":2,"idleNaps":true,"listeners":[{"name":"http","address":"0.0.0.0:80"}],"admin":"127.0.0.1:9901",\#
        "hosts":[{"host":"a.test","routes":[\#
        {"index":4,"label":"a.test /api","path":"/api","type":"Exact","action":{"type":"proxy","upstream":"api"},"compression":{"gzip":true,"level":5,"minLength":1024,"types":["text/*","application/json","application/javascript","application/xml","image/svg+xml","application/*+json","application/*+xml"]}},\#
        {"index":3,"label":"a.test /r[0-9]","path":"/r[0-9]","type":"Regex","regexFlavor":"nginxCompatible","action":{"type":"redirect","status":301,"scheme":"https","host":null,"path":null}},\#
        {"index":2,"label":"a.test /api","path":"/api","type":"Prefix","action":{"type":"proxy","upstream":"api"},"compression":{"gzip":true,"level":5,"minLength":1024,"types":["text/*","application/json","application/javascript","application/xml","image/svg+xml","application/*+json","application/*+xml"]}}]},\#
        {"host":"*.w.test","routes":[{"index":1,"label":"*.w.test /s","path":"/s","type":"Prefix","action":{"type":"static","root":"/srv","index":"index.html"},"compression":{"gzip":true,"level":5,"minLength":1024,"types":["text/*","application/json","application/javascript","application/xml","image/svg+xml","application/*+json","application/*+xml"]}}]},\#
        {"host":null,"routes":[{"index":0,"label":"* /","path":"/","type":"Prefix","action":{"type":"fixed","status":404,"contentType":"text/plain; charset=utf-8","bodyBytes":2}}]}],\#
        "upstreams":[{"name":"api","endpoints":["10.0.0.1:8080"],"policy":"least_conn","connectTimeoutMs":5000,"readTimeoutMs":60000,"sendTimeoutMs":60000,"keepAlive":{"maxIdle":64,"idleTimeoutMs":60000}}],\#
        "limits":{"maxHeadBytes":16384,"maxHeaderCount":100,"maxURIBytes":8192,"maxBodyBytes":0},\#
        "timeouts":{"headerReadMs":60000,"keepAliveIdleMs":75000,"upstreamConnectMs":5000,"upstreamReadMs":60000,"upstreamSendMs":60000,"drainMs":30000,"tlsHandshakeMs":10000,"tunnelIdleMs":3600000},\#
        "diagnostics":[{"severity":"error","code":"undefined-upstream","message":"upstream 'gone' is not defined; the rule is dropped","location":{"file":"a.yaml","line":7,"column":3}}]}
        """#
        #expect(table.renderJSON(generation: 7, diagnostics: diagnostics) == expected)
    }

    /// Diagnostics render every location kind, and strings are escaped per RFC 8259.
    @Test func diagnosticsAndEscaping() {
        let list: [Diagnostic] = [
            .error("c1", "quote \" backslash \\ newline \n tab \t bell \u{07} é", at: .object(kind: "Ingress", namespace: "default", name: "web")),
            .warning("c2", "", at: .commandLine),
            .warning("c3", "x", at: .unknown),
        ]
        let expected = #"""
        [{"severity":"error","code":"c1","message":"quote \" backslash \\ newline \n tab \t bell \u0007 é","location":{"kind":"Ingress","namespace":"default","name":"web"}},\#
        {"severity":"warning","code":"c2","message":"","location":{"source":"commandLine"}},\#
        {"severity":"warning","code":"c3","message":"x","location":null}]
        """#
        #expect(Diagnostic.renderJSON(list) == expected)
        #expect(Diagnostic.renderJSON([]) == "[]")
    }

    /// An empty table still renders a complete document.
    @Test func emptyTable() {
        let (table, _) = RouteTableCompiler.compile(Configuration())
        let json = table.renderJSON(generation: 0, diagnostics: [])
        #expect(json.hasPrefix(#"{"generation":0,"workers":"auto","idleNaps":true,"listeners":[],"admin":null,"hosts":[],"upstreams":[]"#))
        #expect(json.hasSuffix(#""diagnostics":[]}"#))
    }
}
