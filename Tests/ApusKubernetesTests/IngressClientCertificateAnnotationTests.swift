import ApusCore
import ApusKubernetes
import Foundation
import Testing

/// `auth-tls-*` in both dialects: the CA read from the Secret, every value, the host-wide
/// reach, and the refusals and warnings that name what is wrong.
@Suite struct IngressClientCertificateAnnotationTests {
    typealias F = KubeFixture

    /// A certificate to stand as the CA (any certificate parses as one).
    static func caPEM() throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(F.samples)/get-secret-demo-tls.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let encoded = try #require((object["data"] as? [String: String])?["tls.crt"])
        return String(decoding: try #require(Data(base64Encoded: encoded)), as: UTF8.self)
    }

    static func secret(_ name: String, type: String = "Opaque", namespace: String = "demo", ca: String) -> String {
        let indented = ca.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n")
        return "apiVersion: v1\nkind: Secret\nmetadata: { name: \(name), namespace: \(namespace) }\ntype: \(type)\nstringData:\n  ca.crt: |\n\(indented)\n"
    }

    static func policy(_ translation: IngressTranslation, host: String = "app.test") -> CompiledClientCertificates? {
        IngressRequestAnnotationTests.compiledRoute(translation, host: host, path: "/")?.clientCertificates
    }

    @Test(arguments: ["nginx.ingress.kubernetes.io/", "apus.dev/"])
    func everyValueAndTheCAFromTheSecret(prefix: String) throws {
        let ca = try Self.caPEM()
        let translation = try F.translate([F.ourClass, Self.secret("client-ca", ca: ca), F.ingress("mtls", annotations: [
            prefix + "auth-tls-secret": "demo/client-ca", prefix + "auth-tls-verify-client": "optional_no_ca",
            prefix + "auth-tls-verify-depth": "2", prefix + "auth-tls-error-page": "https://help.example.test/cert",
            prefix + "auth-tls-pass-certificate-to-upstream": "true", prefix + "auth-tls-match-cn": "CN=(alice|bob)",
        ])] + F.web)
        #expect(translation.diagnostics.isEmpty, "\(translation.diagnostics)")
        let config = try #require(Self.policy(translation)).config
        #expect(config.caPEM == ca)
        #expect(config.origin == "Secret demo/client-ca")
        #expect(config.verify == .optionalNoCA && config.depth == 2 && config.passCertificate)
        #expect(config.errorPage == "https://help.example.test/cert" && config.matchCN == "CN=(alice|bob)")
        #expect(Self.policy(translation)?.host == "app.test")
    }

    @Test func aTLSSecretsCAAndTheDefaults() throws {
        let translation = try F.translate([F.ourClass, Self.secret("tls-with-ca", type: "kubernetes.io/tls", ca: try Self.caPEM()),
                                           F.ingress("mtls", annotations: ["nginx.ingress.kubernetes.io/auth-tls-secret": "tls-with-ca",
                                                                           "nginx.ingress.kubernetes.io/auth-tls-verify-depth": "0"])] + F.web)
        #expect(translation.diagnostics.isEmpty, "\(translation.diagnostics)")
        let config = try #require(Self.policy(translation)).config
        #expect(config.caPEM != nil && config.verify == .on && config.depth == 1 && !config.passCertificate)
    }

    /// Never served without the check: an unusable Secret leaves the policy without CAs,
    /// and the data plane answers 403.
    @Test func anUnusableSecretClosesTheHost() throws {
        let cases: [(String, [String], String)] = [
            ("absent", [], "does not exist or has no key 'ca.crt'"),
            ("other/client-ca", [Self.secret("client-ca", namespace: "other", ca: try Self.caPEM())], "is in another namespace"),
            ("garbage", [Self.secret("garbage", ca: "not a certificate")], "no PEM certificate found"),
        ]
        for (name, objects, why) in cases {
            let translation = try F.translate([F.ourClass, F.ingress("mtls", annotations: ["nginx.ingress.kubernetes.io/auth-tls-secret": name])] + objects + F.web)
            let finding = try #require(translation.diagnostics.first { $0.code == "client-certificates-unavailable" }, "\(name)")
            #expect(finding.message.contains(why), "\(finding.message)")
            let policy = try #require(Self.policy(translation), "\(name)")
            #expect(policy.config.caPEM == nil)
        }
    }

    @Test func theOldestIngressOfAHostGivesItsPolicyAndHostlessRulesAreDropped() throws {
        let ca = try Self.caPEM()
        let older = F.ingress("first", created: "2026-01-01T00:00:00Z", annotations: ["apus.dev/auth-tls-secret": "client-ca"])
        let newer = F.ingress("second", created: "2026-02-01T00:00:00Z", paths: [("/b", "Prefix", "web", "80")],
                              annotations: ["apus.dev/auth-tls-secret": "client-ca", "apus.dev/auth-tls-verify-client": "optional"])
        let translation = try F.translate([F.ourClass, Self.secret("client-ca", ca: ca), older, newer] + F.web)
        #expect(Self.policy(translation)?.config.verify == .on)
        #expect(IngressRequestAnnotationTests.compiledRoute(translation, host: "app.test", path: "/b")?.clientCertificates?.config.verify == .on,
                "every path of the host, whichever Ingress it comes from")
        #expect(translation.diagnostics.contains { $0.code == "client-certificates-shadowed" && $0.message.contains("Ingress demo/first") })

        // server-alias names serve the Ingress's rules: under its policy too.
        let aliased = try F.translate([F.ourClass, Self.secret("client-ca", ca: ca), F.ingress("alias", annotations: [
            "apus.dev/auth-tls-secret": "client-ca", "nginx.ingress.kubernetes.io/server-alias": "other.test",
        ])] + F.web)
        #expect(Self.policy(aliased, host: "other.test")?.config.caPEM == ca)

        let hostless = try F.translate([F.ourClass, Self.secret("client-ca", ca: ca),
                                        F.ingress("any", host: nil, annotations: ["apus.dev/auth-tls-secret": "client-ca"])] + F.web)
        #expect(hostless.diagnostics.contains { $0.code == "client-certificates-without-host" })
        #expect(hostless.configuration.routes.isEmpty)
    }

    @Test(arguments: [
        ("auth-tls-secret", "a/b/c"), ("auth-tls-verify-client", "sometimes"), ("auth-tls-verify-depth", "deep"),
        ("auth-tls-match-cn", "CN=(open"), ("auth-tls-error-page", "javascript:alert(1)"), ("auth-tls-pass-certificate-to-upstream", "yes"),
    ])
    func badValuesRefuseTheIngress(name: String, value: String) throws {
        for prefix in ["nginx.ingress.kubernetes.io/", "apus.dev/"] {
            var annotations = [prefix + name: value]
            if name != "auth-tls-secret" { annotations[prefix + "auth-tls-secret"] = "client-ca" }
            let translation = try F.translate([F.ourClass, F.ingress("mtls", annotations: annotations)] + F.web)
            let error = try #require(translation.diagnostics.first { $0.severity == .error }, "\(prefix)\(name)")
            #expect(error.message.hasPrefix("annotation \(prefix)\(name): "), "\(error.message)")
            #expect(Self.policy(translation) == nil)
        }
    }

    @Test func valuesWithoutTheSecretHaveNoEffect() throws {
        let translation = try F.translate([F.ourClass, F.ingress("mtls", annotations: ["nginx.ingress.kubernetes.io/auth-tls-verify-client": "on"])] + F.web)
        #expect(translation.diagnostics.contains { $0.severity == .warning && $0.message.contains("has no effect without auth-tls-secret") })
        #expect(Self.policy(translation) == nil)
    }
}
