import ApusCore
import ApusKubernetes
import Testing

/// permanent-redirect, temporal-redirect (and their codes) and app-root in both dialects:
/// the compiled routes' actions, and what is refused.
@Suite struct IngressRedirectAnnotationTests {
    typealias F = KubeFixture

    /// The redirect the compiled route for `path` answers with (nil: none, or no route).
    static func action(_ annotations: [String: String], path: String = "/x") throws -> (RedirectConfig?, IngressTranslation) {
        let translation = try F.translate([F.ourClass, F.ingress("redirect", annotations: annotations)] + F.web)
        let route = IngressRequestAnnotationTests.compiledRoute(translation, host: "app.test", path: path)
        guard case .redirect(let redirect) = route?.action else { return (nil, translation) }
        return (redirect, translation)
    }

    @Test func permanentAndTemporal() throws {
        let (permanent, translation) = try Self.action(["nginx.ingress.kubernetes.io/permanent-redirect": "https://new.example.com$request_uri"])
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        #expect(permanent == RedirectConfig(status: 301, url: "https://new.example.com$request_uri"))
        // Both given: the temporal one wins, as in ingress-nginx, with its code.
        let (both, warnings) = try Self.action([
            "nginx.ingress.kubernetes.io/permanent-redirect": "https://a.example.com",
            "nginx.ingress.kubernetes.io/temporal-redirect": "https://b.example.com",
            "nginx.ingress.kubernetes.io/temporal-redirect-code": "307",
        ])
        #expect(both == RedirectConfig(status: 307, url: "https://b.example.com"))
        #expect(warnings.diagnostics.contains { $0.code == "annotation-without-effect" && $0.message.contains("permanent-redirect") })
        let (apus, _) = try Self.action(["apus.dev/permanent-redirect": "https://c.example.com/", "apus.dev/permanent-redirect-code": "308"])
        #expect(apus == RedirectConfig(status: 308, url: "https://c.example.com/"))
    }

    @Test func appRootRedirectsOnlyTheRoot() throws {
        let annotations = ["nginx.ingress.kubernetes.io/app-root": "/app1"]
        let (root, translation) = try Self.action(annotations, path: "/")
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        #expect(root == RedirectConfig(status: 302, path: "/app1"))
        let (other, proxied) = try Self.action(annotations, path: "/app1/x")
        #expect(other == nil)
        #expect(proxied.upstream(host: "app.test", path: "/app1/x") == "demo/web:80")
    }

    @Test func badValuesRefuseTheIngress() throws {
        let cases: [([String: String], String)] = [
            (["nginx.ingress.kubernetes.io/permanent-redirect": "new.example.com"], "not an absolute http or https URL"),
            (["nginx.ingress.kubernetes.io/permanent-redirect": "https://new.example.com$foo"], "uses $foo"),
            (["nginx.ingress.kubernetes.io/permanent-redirect": "https://x.example.com", "nginx.ingress.kubernetes.io/permanent-redirect-code": "399"], "'399' is not 301"),
            (["nginx.ingress.kubernetes.io/app-root": "app"], "is not a path such as /app"),
            (["apus.dev/app-root": "/app?x=1"], "is not a path such as /app"),
        ]
        for (annotations, why) in cases {
            let (_, translation) = try Self.action(annotations)
            #expect(translation.reports.first?.accepted == false, "\(annotations)")
            #expect(translation.diagnostics.contains { $0.severity == .error && $0.message.contains(why) }, "\(why): \(translation.diagnostics)")
        }
    }
}
