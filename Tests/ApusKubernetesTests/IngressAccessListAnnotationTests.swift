import ApusCore
import ApusKubernetes
import Testing

/// Source-range annotations in both dialects: what the translation writes on each path and
/// what the compiled route then permits; a bad entry refuses the Ingress.
@Suite struct IngressAccessListAnnotationTests {
    typealias F = KubeFixture

    static func accessList(_ annotations: [String: String]) throws -> (CompiledAccessList?, IngressTranslation) {
        let translation = try F.translate([F.ourClass, F.ingress("acl", annotations: annotations)] + F.web)
        let route = IngressRequestAnnotationTests.compiledRoute(translation, host: "app.test", path: "/")
        return (route?.accessList, translation)
    }

    static func permits(_ list: CompiledAccessList?, _ address: String) -> Bool {
        guard let list else { return true }
        return list.permits(ClientAddress(parsing: address)!)
    }

    /// ingress-nginx: `deny` lines first, then `allow` lines and `deny all`; its primary name
    /// `allowlist-source-range` wins over the older `whitelist-source-range`.
    @Test func nginxNames() throws {
        let (list, translation) = try Self.accessList([
            "nginx.ingress.kubernetes.io/whitelist-source-range": "192.0.2.0/24",
            "nginx.ingress.kubernetes.io/allowlist-source-range": "10.0.0.0/8, 2001:db8::/32,",
            "nginx.ingress.kubernetes.io/denylist-source-range": "10.0.0.7",
        ])
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        #expect(translation.diagnostics.contains { $0.code == "annotation-repeated" && $0.message.contains("whitelist-source-range repeats nginx.ingress.kubernetes.io/allowlist-source-range") })
        #expect(Self.permits(list, "10.1.2.3") && Self.permits(list, "2001:db8::5"))
        #expect(!Self.permits(list, "10.0.0.7"))
        #expect(!Self.permits(list, "192.0.2.1"))

        let (whitelisted, _) = try Self.accessList(["nginx.ingress.kubernetes.io/whitelist-source-range": "192.0.2.0/24"])
        #expect(Self.permits(whitelisted, "192.0.2.1") && !Self.permits(whitelisted, "10.0.0.1"))
    }

    @Test func apusNames() throws {
        let (list, translation) = try Self.accessList([
            "apus.dev/allow-source-range": "127.0.0.0/8", "apus.dev/deny-source-range": "127.0.0.9",
        ])
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        #expect(Self.permits(list, "127.0.0.1") && !Self.permits(list, "127.0.0.9") && !Self.permits(list, "10.0.0.1"))
        let (denyOnly, _) = try Self.accessList(["apus.dev/deny-source-range": "203.0.113.0/24"])
        #expect(Self.permits(denyOnly, "10.0.0.1") && !Self.permits(denyOnly, "203.0.113.5"))
        let (open, _) = try Self.accessList([:])
        #expect(open == nil)
    }

    /// ingress-nginx serves an allow list minus the entries it cannot parse (wider than
    /// meant, or narrower); here any bad entry refuses the Ingress and names the entry.
    @Test func aBadEntryRefusesTheIngress() throws {
        let cases: [(String, String, String)] = [
            ("nginx.ingress.kubernetes.io/whitelist-source-range", "10.0.0.0/8,10.0.0.300", "'10.0.0.300' is not an IPv4 or IPv6 address or network"),
            ("nginx.ingress.kubernetes.io/denylist-source-range", "10.0.0.0/40", "'10.0.0.0/40' has a prefix length of 40"),
            ("apus.dev/allow-source-range", " , ", "names no address or network"),
            ("apus.dev/deny-source-range", "office", "'office' is not an IPv4 or IPv6 address or network"),
        ]
        for (key, value, why) in cases {
            let translation = try F.translate([F.ourClass, F.ingress("acl", annotations: [key: value])] + F.web)
            let error = translation.diagnostics.first { $0.severity == .error }
            #expect(error?.code == "invalid-annotation", "\(key): \(translation.diagnostics)")
            #expect(error?.message.contains("annotation \(key): \(why)") == true, "\(String(describing: error))")
            #expect(translation.configuration.routes.isEmpty)
        }
    }
}
