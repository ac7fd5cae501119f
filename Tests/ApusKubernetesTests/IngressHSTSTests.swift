import ApusCore
import ApusKubernetes
import Testing

/// The hosts served over TLS as their own (ingress-nginx's "certificate configured for the
/// host"): they get `--hsts` and, by default, the redirect to HTTPS, host-wide, whichever
/// Ingress's paths they serve; no other host gets either.
@Suite struct IngressHSTSTests {
    typealias F = KubeFixture

    static let hsts = HSTSConfig(maxAgeSeconds: 600, includeSubdomains: true)
    static let value = "max-age=600; includeSubDomains"

    /// The compiled route's HSTS value and whether it redirects plain HTTP; nil without a route.
    static func served(_ documents: [String], host: String, path: String = "/", hsts: HSTSConfig? = Self.hsts) throws -> (hsts: String?, redirects: Bool)? {
        let secret = try String(contentsOfFile: "\(F.samples)/get-secret-demo-tls.json", encoding: .utf8)  // names demo.test only
        let translation = try F.translate([F.ourClass, secret] + F.web + documents, options: IngressTranslationOptions(hsts: hsts))
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        return IngressRequestAnnotationTests.compiledRoute(translation, host: host, path: path).map { ($0.hstsValue, $0.httpsRedirect != nil) }
    }

    @Test func listedHostsHostWide() throws {
        let listed = F.ingress("listed", host: "demo.test", extraSpec: "  tls: [ { hosts: [demo.test], secretName: demo-tls } ]")
        // Another Ingress's path on the same host, without a TLS section of its own.
        let sibling = F.ingress("sibling", created: "2026-01-02T00:00:00Z", host: "demo.test", paths: [("/other", "Prefix", "web", "80")])
        let plain = F.ingress("plain", host: "plain.test")
        // Listed, but its Secret is missing: served on the listener's default certificate,
        // still the host's own as ingress-nginx counts it.
        let missing = F.ingress("missing", host: "missing.test", extraSpec: "  tls: [ { hosts: [missing.test], secretName: absent } ]")
        // Lists a host it has no rule for: that host is not made a TLS host by it.
        let elsewhere = F.ingress("elsewhere", host: "x.test", extraSpec: "  tls: [ { hosts: [x.test, plain.test], secretName: absent } ]")
        let documents = [listed, sibling, plain, missing, elsewhere]
        #expect(try Self.served(documents, host: "demo.test")! == (Self.value, true))
        #expect(try Self.served(documents, host: "demo.test", path: "/other")! == (Self.value, true))
        #expect(try Self.served(documents, host: "missing.test")! == (Self.value, true))
        #expect(try Self.served(documents, host: "plain.test")! == (nil, false))
        #expect(try Self.served(documents, host: "demo.test", hsts: nil)! == (nil, true), "without --hsts")
    }

    /// A rule host no entry lists counts when a usable certificate of the section names it
    /// (a wildcard entry, say), or when an entry lists no hosts; otherwise it stays plain
    /// (ingress-nginx would serve it its default certificate, redirect it and send HSTS).
    @Test func unlistedHosts() throws {
        let covered = F.ingress("covered", host: "DEMO.test", extraSpec: "  tls: [ { hosts: [\"*.other.test\"], secretName: demo-tls } ]")
        let uncovered = F.ingress("uncovered", host: "u.test", extraSpec: "  tls: [ { hosts: [\"*.other.test\"], secretName: demo-tls } ]")
        let all = F.ingress("all", host: "any.test", extraSpec: "  tls: [ { secretName: absent } ]")
        let documents = [covered, uncovered, all]
        #expect(try Self.served(documents, host: "demo.test")! == (Self.value, true))
        #expect(try Self.served(documents, host: "u.test")! == (nil, false))
        #expect(try Self.served(documents, host: "any.test")! == (Self.value, true))
    }

    /// server-alias names count when an entry lists them or the certificate names them;
    /// from-to-www-redirect names when their host counts.
    @Test func aliasesAndWWWNames() throws {
        let aliased = F.ingress("aliased", host: "www.demo.test", annotations: [
            "nginx.ingress.kubernetes.io/server-alias": "demo.test, alias.test",
        ], extraSpec: "  tls: [ { hosts: [www.demo.test], secretName: demo-tls } ]")
        let www = F.ingress("www", host: "shop.test", annotations: ["nginx.ingress.kubernetes.io/from-to-www-redirect": "true"],
                            extraSpec: "  tls: [ { hosts: [shop.test], secretName: absent } ]")
        let documents = [aliased, www]
        #expect(try Self.served(documents, host: "demo.test")! == (Self.value, true), "named by the certificate")
        #expect(try Self.served(documents, host: "alias.test")! == (nil, true), "the alias serves its host's rules, redirect included, but is not a TLS host")
        #expect(try Self.served(documents, host: "www.shop.test")?.hsts == Self.value)
    }
}
