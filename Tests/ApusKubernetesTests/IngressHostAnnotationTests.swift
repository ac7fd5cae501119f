import ApusCore
import ApusKubernetes
import Testing

/// upstream-vhost, x-forwarded-prefix, server-alias, from-to-www-redirect and
/// preserve-trailing-slash: what the translation writes and the compiled routes do.
@Suite struct IngressHostAnnotationTests {
    typealias F = KubeFixture

    static func translate(_ annotations: [String: String], host: String = "app.test", extra: [String] = []) throws -> IngressTranslation {
        try F.translate([F.ourClass, F.ingress("hosts", host: host, annotations: annotations)] + F.web + extra)
    }

    @Test func upstreamHostAndPrefix() throws {
        let translation = try Self.translate([
            "nginx.ingress.kubernetes.io/upstream-vhost": "internal.example.com",
            "nginx.ingress.kubernetes.io/x-forwarded-prefix": "/api",
        ])
        let route = try #require(IngressRequestAnnotationTests.compiledRoute(translation, host: "app.test", path: "/"))
        #expect(route.requestHeaderRules?.replacing.map(\.name) == ["Host", "X-Forwarded-Prefix"])
        #expect(route.requestHeaderRules?.replacing.map(\.value) == [.literal("internal.example.com"), .literal("/api")])
        let refused = try Self.translate(["nginx.ingress.kubernetes.io/upstream-vhost": "a b"])
        #expect(refused.reports.first?.accepted == false)
    }

    @Test func serverAliasesServeTheSameRules() throws {
        let translation = try Self.translate(["nginx.ingress.kubernetes.io/server-alias": "alias.test, *.wild.test"])
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        for host in ["app.test", "alias.test", "x.wild.test"] {
            #expect(translation.upstream(host: host, path: "/") == "demo/web:80", "\(host)")
        }
        #expect(translation.upstream(host: "other.test", path: "/") == nil)
        let refused = try Self.translate(["nginx.ingress.kubernetes.io/server-alias": "bad host"])
        #expect(refused.reports.first?.accepted == false)
    }

    @Test func wwwRedirectBothWays() throws {
        let bare = try Self.translate(["nginx.ingress.kubernetes.io/from-to-www-redirect": "true"], host: "example.test")
        let www = try #require(IngressRequestAnnotationTests.compiledRoute(bare, host: "www.example.test", path: "/a"))
        guard case .redirect(let toBare) = www.action else { Issue.record("www.example.test is not redirected"); return }
        #expect(toBare == RedirectConfig(status: 308, host: "example.test"))

        let named = try Self.translate(["nginx.ingress.kubernetes.io/from-to-www-redirect": "true"], host: "www.example.test")
        let plain = try #require(IngressRequestAnnotationTests.compiledRoute(named, host: "example.test", path: "/"))
        guard case .redirect(let toWWW) = plain.action else { Issue.record("example.test is not redirected"); return }
        #expect(toWWW == RedirectConfig(status: 308, host: "www.example.test"))

        // A name another Ingress serves keeps its own rules.
        let served = try Self.translate(["nginx.ingress.kubernetes.io/from-to-www-redirect": "true"], host: "example.test",
                                        extra: [F.ingress("www", host: "www.example.test")])
        #expect(served.upstream(host: "www.example.test", path: "/") == "demo/web:80")
    }

    @Test func trailingSlashOnTheRedirectToHTTPS() throws {
        let tls = "tls: [{ hosts: [app.test], secretName: missing }]"
        let kept = try F.translate([F.ourClass, F.ingress("t", extraSpec: "  " + tls)] + F.web)
        #expect(IngressRequestAnnotationTests.compiledRoute(kept, host: "app.test", path: "/")?.httpsRedirect?.stripsTrailingSlash == false)
        let stripped = try F.translate([F.ourClass, F.ingress("t", annotations: ["nginx.ingress.kubernetes.io/preserve-trailing-slash": "false"], extraSpec: "  " + tls)] + F.web)
        #expect(IngressRequestAnnotationTests.compiledRoute(stripped, host: "app.test", path: "/")?.httpsRedirect?.stripsTrailingSlash == true)
    }
}

/// proxy-next-upstream and its tries and timeout: the upstream's retry policy.
@Suite struct IngressRetryAnnotationTests {
    typealias F = KubeFixture

    static func failures(_ annotations: [String: String]) throws -> (UpstreamFailurePolicy?, IngressTranslation) {
        let translation = try F.translate([F.ourClass, F.ingress("retry", annotations: annotations)] + F.web)
        return (translation.configuration.upstreams.first?.failures, translation)
    }

    @Test func mapsToTheRetryPolicy() throws {
        let (policy, translation) = try Self.failures([
            "nginx.ingress.kubernetes.io/proxy-next-upstream": "error timeout non_idempotent http_503",
            "nginx.ingress.kubernetes.io/proxy-next-upstream-tries": "5",
            "nginx.ingress.kubernetes.io/proxy-next-upstream-timeout": "15",
        ])
        #expect(policy == UpstreamFailurePolicy(retryNonIdempotent: true, maxTries: 5, retryWindowMilliseconds: 15_000))
        #expect(translation.diagnostics.contains { $0.code == "annotation-approximated" && $0.message.contains("http_503") })
        let (off, _) = try Self.failures(["nginx.ingress.kubernetes.io/proxy-next-upstream": "off",
                                          "nginx.ingress.kubernetes.io/proxy-next-upstream-tries": "4"])
        #expect(off?.maxTries == 1)
        let (bad, refused) = try Self.failures(["nginx.ingress.kubernetes.io/proxy-next-upstream": "error sometimes"])
        #expect(bad == nil && refused.reports.first?.accepted == false)
    }
}
