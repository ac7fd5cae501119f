import ApusCore
import ApusKubernetes
import Testing

/// rewrite-target, proxy-body-size, ssl-redirect and force-ssl-redirect, in both dialects:
/// what the translation writes on each path rule, and what the compiled table then does.
@Suite struct IngressRequestAnnotationTests {
    typealias F = KubeFixture

    /// The path a request would be sent upstream with (nil: no route or no rewrite).
    static func rewritten(_ translation: IngressTranslation, host: String, path: String, query: String = "") -> String? {
        let (table, _) = RouteTableCompiler.compile(translation.configuration)
        let scratch = MatchScratch()
        var host = host
        var path = path
        var query = query
        return host.withUTF8 { h in path.withUTF8 { p in query.withUTF8 { q in
            let index = table.match(host: UnsafeRawBufferPointer(h), path: UnsafeRawBufferPointer(p), scratch: scratch)
            guard index >= 0, let rewrite = table.routes[index].rewrite else { return nil }
            var out: [UInt8] = []
            rewrite.write(path: UnsafeRawBufferPointer(p), scratch: scratch, query: UnsafeRawBufferPointer(q), into: &out)
            return String(decoding: out, as: UTF8.self)
        } } }
    }

    static func compiledRoute(_ translation: IngressTranslation, host: String, path: String) -> CompiledRoute? {
        let (table, _) = RouteTableCompiler.compile(translation.configuration)
        var host = host
        var path = path
        let index = host.withUTF8 { h in path.withUTF8 { p in
            table.match(host: UnsafeRawBufferPointer(h), path: UnsafeRawBufferPointer(p), scratch: MatchScratch())
        } }
        return index >= 0 ? table.routes[index] : nil
    }

    /// ingress-nginx's example: `/something(/|$)(.*)` with rewrite-target `/$2`; the
    /// annotation implies use-regex for the whole host (another Ingress's Prefix path too),
    /// case-insensitively; the query is kept.
    @Test func nginxRewriteTarget() throws {
        let rewriting = F.ingress("rw", created: "2026-01-01T00:00:00Z", paths: [("/something(/|$)(.*)", "ImplementationSpecific", "web", "80")],
                                  annotations: ["nginx.ingress.kubernetes.io/rewrite-target": "/$2"])
        let other = F.ingress("other", created: "2026-01-02T00:00:00Z", paths: [("/other", "Prefix", "web", "80")])
        let translation = try F.translate([F.ourClass, rewriting, other] + F.web)
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        #expect(Self.rewritten(translation, host: "app.test", path: "/something") == "/")
        #expect(Self.rewritten(translation, host: "app.test", path: "/something/new", query: "?a=1") == "/new?a=1")
        #expect(Self.rewritten(translation, host: "app.test", path: "/SomeThing/New") == "/New")
        // Host-wide regex: the other Ingress's Prefix is now a start-anchored regex, not rewritten.
        let rules = translation.configuration.routes.flatMap(\.paths)
        #expect(rules.first { $0.path == "/other" }?.match == .regex)
        #expect(rules.first { $0.path == "/other" }?.rewrite == nil)
        #expect(translation.upstream(host: "app.test", path: "/OTHERWISE") == "demo/web:80")
        #expect(translation.reports.first { $0.ingress.name == "rw" }?.served.first?.contains("rewritten to /$2") == true)
    }

    /// apus.dev/rewrite-target applies to that Ingress's paths only: with apus.dev/use-regex its
    /// ImplementationSpecific paths are whole-path regexes with groups; a Prefix path is replaced whole.
    @Test func apusRewriteTarget() throws {
        let regex = F.ingress("rx", host: "a.test", paths: [("/v([0-9]+)/(.*)", "ImplementationSpecific", "web", "80")],
                              annotations: ["apus.dev/use-regex": "true", "apus.dev/rewrite-target": "/api/$2/v$1"])
        let prefix = F.ingress("px", host: "b.test", paths: [("/old", "Prefix", "web", "80")], annotations: ["apus.dev/rewrite-target": "/new"])
        let neighbour = F.ingress("nb", created: "2026-01-03T00:00:00Z", host: "a.test", paths: [("/plain", "Prefix", "web", "80")])
        let translation = try F.translate([F.ourClass, regex, prefix, neighbour] + F.web)
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        #expect(Self.rewritten(translation, host: "a.test", path: "/v3/users/7") == "/api/users/7/v3")
        #expect(translation.upstream(host: "a.test", path: "/V3/users") == nil)  // case-sensitive, whole path
        #expect(Self.rewritten(translation, host: "b.test", path: "/old/page", query: "?x") == "/new?x")
        // The neighbour on the same host is neither a regex nor rewritten.
        let plain = try #require(translation.configuration.routes.flatMap(\.paths).first { $0.path == "/plain" })
        #expect(plain.match == .prefix && plain.rewrite == nil)
    }

    /// A group the path's regex lacks drops that path with an error for the Ingress (never
    /// served unrewritten, never listed as served); its other paths and other Ingresses are served.
    @Test func rewriteGroupMissing() throws {
        let ingress = F.ingress("g", paths: [("/a", "Prefix", "web", "80"), ("/b/(.*)", "ImplementationSpecific", "web", "80")],
                                annotations: ["apus.dev/rewrite-target": "/$1", "apus.dev/use-regex": "true"])
        let translation = try F.translate([F.ourClass, ingress, F.ingress("ok", host: "ok.test")] + F.web)
        let report = try #require(translation.reports.first { $0.ingress.name == "g" })
        #expect(report.diagnostics.map(\.code) == ["invalid-rewrite"])
        #expect(report.diagnostics.first?.message == "spec.rules[0].http.paths[0] (Prefix '/a'): rewrite '/$1' refers to $1, but only a Regex rule has capture groups; the path is dropped")
        #expect(report.served == ["app.test /b/(.*) (Regex, whole path) -> demo/web:80, rewritten to /$1"])
        #expect(translation.upstream(host: "app.test", path: "/a") == nil)
        #expect(Self.rewritten(translation, host: "app.test", path: "/b/c") == "/c")
        #expect(translation.upstream(host: "ok.test", path: "/") == "demo/web:80")
        #expect(RouteTableCompiler.compile(translation.configuration).1.filter { $0.severity == .error }.isEmpty)
    }

    struct SizeCase: Sendable, CustomStringConvertible {
        var annotation: String
        var value: String
        var bytes: Int64
        var description: String { "\(annotation)=\(value)" }
    }

    static let sizes: [SizeCase] = [
        SizeCase(annotation: "nginx.ingress.kubernetes.io/proxy-body-size", value: "8m", bytes: 8 << 20),
        SizeCase(annotation: "nginx.ingress.kubernetes.io/proxy-body-size", value: "512K", bytes: 512 << 10),
        SizeCase(annotation: "nginx.ingress.kubernetes.io/proxy-body-size", value: "1g", bytes: 1 << 30),
        SizeCase(annotation: "nginx.ingress.kubernetes.io/proxy-body-size", value: "0", bytes: 0),
        SizeCase(annotation: "apus.dev/proxy-body-size", value: "100", bytes: 100),
    ]

    /// proxy-body-size sets the limit of every path of the Ingress (default backend included);
    /// other Ingresses keep the global limit.
    @Test(arguments: sizes) func bodySize(_ c: SizeCase) throws {
        let sized = F.ingress("s", host: "s.test", annotations: [c.annotation: c.value], extraSpec: "  defaultBackend: { service: { name: web, port: { number: 80 } } }")
        let translation = try F.translate([F.ourClass, sized, F.ingress("plain", host: "p.test")] + F.web)
        #expect(translation.reports.allSatisfy { $0.accepted }, "\(translation.diagnostics)")
        #expect(Self.compiledRoute(translation, host: "s.test", path: "/x")?.maxBodyBytes == c.bytes)
        #expect(Self.compiledRoute(translation, host: "unnamed.test", path: "/x")?.maxBodyBytes == c.bytes)  // its default backend
        #expect(Self.compiledRoute(translation, host: "p.test", path: "/x").map { $0.maxBodyBytes == nil } == true)
    }

    static let twoHosts = """
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: { name: t, namespace: demo, creationTimestamp: "2026-01-01T00:00:00Z"ANNOTATIONS }
    spec:
      ingressClassName: apus
      TLS
      rules:
        - { host: secure.test, http: { paths: [ { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } } ] } }
        - { host: plain.test, http: { paths: [ { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } } ] } }
    """

    struct RedirectCase: Sendable, CustomStringConvertible {
        var annotations: [String: String]
        var tls: String
        var secure: Bool
        var plain: Bool
        var description: String { "\(annotations) \(tls)" }
    }

    static let redirects: [RedirectCase] = [
        // ingress-nginx's default: on for the hosts the TLS section covers.
        RedirectCase(annotations: [:], tls: "tls: [ { hosts: [secure.test] } ]", secure: true, plain: false),
        RedirectCase(annotations: [:], tls: "tls: [ { secretName: s } ]", secure: true, plain: true),  // no hosts: all of them
        RedirectCase(annotations: [:], tls: "", secure: false, plain: false),
        RedirectCase(annotations: ["nginx.ingress.kubernetes.io/ssl-redirect": "false"], tls: "tls: [ { hosts: [secure.test] } ]", secure: false, plain: false),
        RedirectCase(annotations: ["apus.dev/ssl-redirect": "false"], tls: "tls: [ { hosts: [secure.test] } ]", secure: false, plain: false),
        RedirectCase(annotations: ["nginx.ingress.kubernetes.io/ssl-redirect": "true"], tls: "", secure: false, plain: false),
        RedirectCase(annotations: ["nginx.ingress.kubernetes.io/force-ssl-redirect": "true"], tls: "", secure: true, plain: true),
        RedirectCase(annotations: ["apus.dev/force-ssl-redirect": "true", "apus.dev/ssl-redirect": "false"], tls: "", secure: true, plain: true),
        RedirectCase(annotations: ["nginx.ingress.kubernetes.io/force-ssl-redirect": "false"], tls: "tls: [ { hosts: [SECURE.test] } ]", secure: true, plain: false),
    ]

    /// Which hosts redirect plain http to https with 308.
    @Test(arguments: redirects) func sslRedirect(_ c: RedirectCase) throws {
        let annotationText = c.annotations.isEmpty ? "" : ", annotations: {" + c.annotations.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ") + "}"
        let ingress = Self.twoHosts.replacingOccurrences(of: "ANNOTATIONS", with: annotationText).replacingOccurrences(of: "TLS", with: c.tls)
        let translation = try F.translate([F.ourClass, ingress] + F.web)
        #expect(translation.reports.first?.accepted == true, "\(translation.diagnostics)")
        let secure = Self.compiledRoute(translation, host: "secure.test", path: "/")
        let plain = Self.compiledRoute(translation, host: "plain.test", path: "/")
        #expect(secure?.httpsRedirect == (c.secure ? CompiledHTTPSRedirect(status: 308, port: nil) : nil))
        #expect(plain?.httpsRedirect == (c.plain ? CompiledHTTPSRedirect(status: 308, port: nil) : nil))
        #expect(!translation.diagnostics.contains { $0.code == "https-redirect-unavailable" })
    }
}
