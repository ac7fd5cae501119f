import ApusCore
import ApusKubernetes
import Testing

/// `--hsts`: Strict-Transport-Security on the hosts a TLS section gives a usable
/// certificate (ingress-nginx's "certificate configured for the host"), host-wide, and on
/// no other host.
@Suite struct IngressHSTSTests {
    typealias F = KubeFixture

    static let hsts = HSTSConfig(maxAgeSeconds: 600, includeSubdomains: true)

    static func hstsValue(_ documents: [String], host: String, path: String = "/", hsts: HSTSConfig? = Self.hsts) throws -> String?? {
        let secret = try String(contentsOfFile: "\(F.samples)/get-secret-demo-tls.json", encoding: .utf8)
        let translation = try F.translate([F.ourClass, secret] + F.web + documents, options: IngressTranslationOptions(hsts: hsts))
        return IngressRequestAnnotationTests.compiledRoute(translation, host: host, path: path).map(\.hstsValue)
    }

    @Test func onHostsWithAUsableCertificate() throws {
        let listed = F.ingress("listed", host: "demo.test", extraSpec: "  tls: [ { hosts: [demo.test], secretName: demo-tls } ]")
        // Another Ingress's path on the same host: HSTS is a promise about the whole host.
        let sibling = F.ingress("sibling", created: "2026-01-02T00:00:00Z", host: "demo.test", paths: [("/other", "Prefix", "web", "80")])
        let plain = F.ingress("plain", host: "plain.test")
        let missing = F.ingress("missing", host: "missing.test", extraSpec: "  tls: [ { hosts: [missing.test], secretName: absent } ]")
        let documents = [listed, sibling, plain, missing]
        #expect(try Self.hstsValue(documents, host: "demo.test") == .some("max-age=600; includeSubDomains"))
        #expect(try Self.hstsValue(documents, host: "demo.test", path: "/other") == .some("max-age=600; includeSubDomains"))
        #expect(try Self.hstsValue(documents, host: "plain.test") == .some(nil), "no TLS section")
        #expect(try Self.hstsValue(documents, host: "missing.test") == .some(nil), "served with the listener's default certificate")
        #expect(try Self.hstsValue(documents, host: "demo.test", hsts: nil) == .some(nil), "without --hsts")
    }

    /// An entry without hosts gives its certificate to the Ingress's hosts it names, as
    /// ingress-nginx matches them against the certificate.
    @Test func entryWithoutHostsCoversWhatTheCertificateNames() throws {
        let named = F.ingress("named", host: "Demo.Test", extraSpec: "  tls: [ { secretName: demo-tls } ]")
        let unnamed = F.ingress("unnamed", host: "elsewhere.test", extraSpec: "  tls: [ { secretName: demo-tls } ]")
        #expect(try Self.hstsValue([named, unnamed], host: "demo.test") == .some("max-age=600; includeSubDomains"))
        #expect(try Self.hstsValue([named, unnamed], host: "elsewhere.test") == .some(nil))
    }
}
