import ApusCore
import ApusKubernetes
import Testing

/// `affinity: cookie` with `session-cookie-*`, and `upstream-hash-by` with its subsets, in
/// both dialects: what the translation puts on the Ingress's own upstream.
@Suite struct IngressAffinityAnnotationTests {
    typealias F = KubeFixture

    static func upstream(_ translation: IngressTranslation, host: String = "app.test") -> UpstreamConfig? {
        guard let name = translation.upstream(host: host, path: "/") else { return nil }
        return translation.configuration.upstreams.first { $0.name == name }
    }

    static func translate(_ annotations: [String: String], name: String = "sticky") throws -> IngressTranslation {
        try F.translate([F.ourClass, F.ingress(name, paths: [("/", "Prefix", "web", "80")], annotations: annotations)] + F.web)
    }

    @Test func nginxCookieAffinity() throws {
        let translation = try Self.translate([
            "nginx.ingress.kubernetes.io/affinity": "cookie", "nginx.ingress.kubernetes.io/affinity-mode": "persistent",
            "nginx.ingress.kubernetes.io/session-cookie-name": "route", "nginx.ingress.kubernetes.io/session-cookie-path": "/shop",
            "nginx.ingress.kubernetes.io/session-cookie-domain": "example.com", "nginx.ingress.kubernetes.io/session-cookie-max-age": "172800",
            "nginx.ingress.kubernetes.io/session-cookie-expires": "3600", "nginx.ingress.kubernetes.io/session-cookie-samesite": "none",
            "nginx.ingress.kubernetes.io/session-cookie-secure": "true", "nginx.ingress.kubernetes.io/session-cookie-conditional-samesite-none": "true",
            "nginx.ingress.kubernetes.io/session-cookie-change-on-failure": "true", "nginx.ingress.kubernetes.io/affinity-canary-behavior": "legacy",
        ])
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        let upstream = try #require(Self.upstream(translation))
        #expect(upstream.name == "demo/web:80@sticky", "affinity makes the upstream the Ingress's own")
        var expected = AffinityConfig(cookieName: "route", mode: .persistent, path: "/shop", domain: "example.com", maxAgeSeconds: 172_800,
                                      expiresSeconds: 3_600, sameSite: .crossSite, secure: true, conditionalSameSiteNone: true, changeOnFailure: true)
        expected.location = try #require(upstream.affinity?.location)
        #expect(upstream.affinity == expected)
        let (table, _) = RouteTableCompiler.compile(translation.configuration)
        #expect(table.upstreams.first { $0.name == upstream.name }?.keyed?.affinity?.mode == .persistent)
    }

    /// ingress-nginx's defaults: INGRESSCOOKIE, balanced; the apus.dev dialect takes
    /// durations with units; session-cookie-* without affinity are reported.
    @Test func defaultsDialectsAndStrayValues() throws {
        let plain = try #require(Self.upstream(try Self.translate(["nginx.ingress.kubernetes.io/affinity": "cookie"]))?.affinity)
        #expect(plain.cookieName == "INGRESSCOOKIE" && plain.mode == .balanced && plain.path == nil && plain.secure == nil)
        let apus = try #require(Self.upstream(try Self.translate(["apus.dev/affinity": "cookie", "apus.dev/session-cookie-max-age": "720h",
                                                                  "apus.dev/session-cookie-secure": "false"]))?.affinity)
        #expect(apus.maxAgeSeconds == 2_592_000 && apus.secure == false, "thirty days; apus.dev's false is never Secure")
        let insecure = try #require(Self.upstream(try Self.translate(["nginx.ingress.kubernetes.io/affinity": "cookie",
                                                                      "nginx.ingress.kubernetes.io/session-cookie-secure": "false"]))?.affinity)
        #expect(insecure.secure == nil, "ingress-nginx drops a false: Secure over HTTPS all the same")
        let stray = try Self.translate(["nginx.ingress.kubernetes.io/session-cookie-name": "route"])
        #expect(stray.diagnostics.contains { $0.code == "annotation-without-effect" && $0.message.contains("has no effect without affinity: cookie") })
        #expect(Self.upstream(stray)?.affinity == nil && Self.upstream(stray)?.name == "demo/web:80")
    }

    @Test(arguments: [
        ("affinity", "ip", "is not cookie"),
        ("affinity-mode", "sticky", "is not balanced or persistent"),
        ("affinity-canary-behavior", "always", "is not sticky or legacy"),
        ("session-cookie-name", "bad name", "is not a cookie name"),
        ("session-cookie-path", "shop", "is not a path starting with '/'"),
        ("session-cookie-max-age", "2d", "is not a whole number of seconds"),
        ("session-cookie-expires", "-1", "is not a whole number of seconds"),
        ("session-cookie-samesite", "Sometimes", "is not None, Lax or Strict"),
        ("session-cookie-secure", "yes", "is not true or false"),
        ("upstream-hash-by", "$nonsense", "Apus does not expand"),
        ("upstream-hash-by", "fixed", "uses no variable"),
        ("upstream-hash-by-subset-size", "0", "is not a whole number from 1 to 64"),
    ])
    func badValuesRefuseTheIngress(feature: String, value: String, why: String) throws {
        var annotations = ["nginx.ingress.kubernetes.io/\(feature)": value]
        if feature.hasPrefix("session-") || feature.hasPrefix("affinity-") { annotations["nginx.ingress.kubernetes.io/affinity"] = "cookie" }
        if feature.hasPrefix("upstream-hash-by-") { annotations["nginx.ingress.kubernetes.io/upstream-hash-by"] = "$remote_addr" }
        let translation = try Self.translate(annotations)
        #expect(translation.reports.first?.accepted == false)
        #expect(translation.diagnostics.contains { $0.severity == .error && $0.message.contains("nginx.ingress.kubernetes.io/\(feature)") && $0.message.contains(why) },
                "\(translation.diagnostics)")
    }

    @Test func upstreamHashBy() throws {
        let translation = try Self.translate([
            "nginx.ingress.kubernetes.io/upstream-hash-by": "$http_x_tenant$arg_user", "nginx.ingress.kubernetes.io/upstream-hash-by-subset": "true",
        ])
        let hash = try #require(Self.upstream(translation)?.hash)
        #expect(hash.key.written == "$http_x_tenant$arg_user" && hash.subsetSize == 3, "ingress-nginx's default subset size")
        let sized = try #require(Self.upstream(try Self.translate([
            "nginx.ingress.kubernetes.io/upstream-hash-by": "$remote_addr", "nginx.ingress.kubernetes.io/upstream-hash-by-subset": "true",
            "nginx.ingress.kubernetes.io/upstream-hash-by-subset-size": "5",
        ]))?.hash)
        #expect(sized.subsetSize == 5)
        let unsized = try Self.translate([
            "nginx.ingress.kubernetes.io/upstream-hash-by": "$remote_addr", "nginx.ingress.kubernetes.io/upstream-hash-by-subset-size": "5",
        ])
        #expect(Self.upstream(unsized)?.hash?.subsetSize == nil)
        #expect(unsized.diagnostics.contains { $0.code == "annotation-without-effect" && $0.message.contains("upstream-hash-by-subset-size") })
        // Both: affinity wins, as ingress-nginx's balancer chooses.
        let both = try Self.translate(["nginx.ingress.kubernetes.io/upstream-hash-by": "$remote_addr", "nginx.ingress.kubernetes.io/affinity": "cookie"])
        #expect(Self.upstream(both)?.affinity != nil && Self.upstream(both)?.hash == nil)
        #expect(both.diagnostics.contains { $0.code == "annotation-without-effect" && $0.message.contains("cookie affinity wins") })
    }

    /// A canary Ingress's affinity and hashing shape its own upstream.
    @Test func canaryKeepsItsOwnAffinity() throws {
        let main = F.ingress("main", created: "2026-01-01T00:00:00Z", paths: [("/", "Prefix", "web", "80")])
        let canary = F.ingress("next", created: "2026-01-02T00:00:00Z", paths: [("/", "Prefix", "web2", "80")], annotations: [
            "nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "10",
            "nginx.ingress.kubernetes.io/affinity": "cookie",
        ])
        let translation = try F.translate([F.ourClass, main, canary] + F.web + [F.service("web2")])
        #expect(!translation.diagnostics.contains { $0.code == "annotation-without-effect" && $0.message.contains("affinity") }, "\(translation.diagnostics)")
        let canaryUpstream = translation.configuration.upstreams.first { $0.name.hasPrefix("demo/web2:80") }
        #expect(canaryUpstream?.affinity != nil, "\(translation.configuration.upstreams.map(\.name))")
    }
}
