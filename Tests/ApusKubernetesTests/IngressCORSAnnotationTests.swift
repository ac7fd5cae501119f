import ApusCore
import ApusKubernetes
import Testing

/// CORS annotations in both dialects: ingress-nginx's defaults, origins with `*.`
/// patterns, and what the compiled route then decides per Origin.
@Suite struct IngressCORSAnnotationTests {
    typealias F = KubeFixture

    static func cors(_ annotations: [String: String]) throws -> (CompiledCORS?, IngressTranslation) {
        let translation = try F.translate([F.ourClass, F.ingress("cors", annotations: annotations)] + F.web)
        let route = IngressRequestAnnotationTests.compiledRoute(translation, host: "app.test", path: "/")
        return (route?.cors, translation)
    }

    static func allows(_ cors: CompiledCORS?, _ origin: String) -> Bool {
        guard let cors else { return false }
        return Array(origin.utf8).withUnsafeBytes { cors.decide(origin: $0, tls: false).allowed }
    }

    static func lines(_ cors: CompiledCORS?, _ origin: String) -> String {
        guard let cors else { return "" }
        return Array(origin.utf8).withUnsafeBytes { String(decoding: cors.decide(origin: $0, tls: true).edits.addedLines, as: UTF8.self) }
    }

    @Test func nginxDefaults() throws {
        let (cors, translation) = try Self.cors(["nginx.ingress.kubernetes.io/enable-cors": "true"])
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        #expect(cors?.config == CORSConfig(allowCredentials: true, location: cors!.config.location))
        let fields = Self.lines(cors, "https://anything.test")
        #expect(fields.contains("Access-Control-Allow-Origin: *\r\n"))
        #expect(fields.contains("Access-Control-Allow-Credentials: true\r\n"))
        #expect(fields.contains("Access-Control-Allow-Methods: GET, PUT, POST, DELETE, PATCH, OPTIONS\r\n"))
        #expect(fields.contains("Access-Control-Max-Age: 1728000\r\n"))
    }

    @Test func nginxListsAndPatterns() throws {
        let (cors, translation) = try Self.cors([
            "nginx.ingress.kubernetes.io/enable-cors": "true",
            "nginx.ingress.kubernetes.io/cors-allow-origin": "https://origin-site.com:4443, http://origin-site.com, https://*.example.com",
            "nginx.ingress.kubernetes.io/cors-allow-methods": "PUT, GET, POST, OPTIONS",
            "nginx.ingress.kubernetes.io/cors-allow-headers": "X-Forwarded-For, X-app123-XPTO",
            "nginx.ingress.kubernetes.io/cors-expose-headers": "*, X-CustomResponseHeader",
            "nginx.ingress.kubernetes.io/cors-allow-credentials": "false",
            "nginx.ingress.kubernetes.io/cors-max-age": "600",
        ])
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        #expect(Self.allows(cors, "https://origin-site.com:4443") && Self.allows(cors, "HTTP://Origin-Site.com"))
        #expect(Self.allows(cors, "https://api.example.com"))
        #expect(!Self.allows(cors, "https://origin-site.com") && !Self.allows(cors, "https://a.b.example.com") && !Self.allows(cors, "https://example.com"))
        let fields = Self.lines(cors, "https://api.example.com")
        #expect(fields.contains("Access-Control-Allow-Origin: https://api.example.com\r\n"))
        #expect(fields.contains("Vary: Origin\r\n"))
        #expect(!fields.contains("Access-Control-Allow-Credentials"))
        #expect(fields.contains("Access-Control-Expose-Headers: *, X-CustomResponseHeader\r\n"))
        #expect(fields.contains("Access-Control-Max-Age: 600\r\n"))
        #expect(Self.lines(cors, "https://evil.test") == "Vary: Origin\r\n")
    }

    @Test func apusDialectLeavesCredentialsOff() throws {
        let (cors, _) = try Self.cors(["apus.dev/enable-cors": "true", "apus.dev/cors-allow-origin": "https://app.example.com"])
        #expect(cors?.config.allowCredentials == false)
        #expect(Self.allows(cors, "https://app.example.com"))
        let (none, translation) = try Self.cors(["nginx.ingress.kubernetes.io/cors-allow-origin": "https://app.example.com"])
        #expect(none == nil)
        #expect(translation.diagnostics.contains { $0.code == "annotation-without-effect" })
    }

    /// ingress-nginx falls back to a default on a bad value; here the Ingress is refused.
    @Test func badValuesRefuseTheIngress() throws {
        let cases: [(String, String, String)] = [
            ("enable-cors", "yes", "'yes' is not true or false"),
            ("cors-allow-origin", "https://a.example.com/path", "is not scheme://host[:port]"),
            ("cors-allow-origin", "example.com", "is not scheme://host[:port]"),
            ("cors-allow-methods", "GET;DROP", "is not a comma-separated list"),
            ("cors-allow-headers", "X-A\\nX-B", "is not a comma-separated list"),
            ("cors-max-age", "-1", "is not a whole number of seconds"),
        ]
        for (feature, value, why) in cases {
            var annotations = ["nginx.ingress.kubernetes.io/\(feature)": value]
            if feature != "enable-cors" { annotations["nginx.ingress.kubernetes.io/enable-cors"] = "true" }
            let (_, translation) = try Self.cors(annotations)
            #expect(translation.reports.first?.accepted == false, "\(feature)")
            #expect(translation.diagnostics.contains { $0.severity == .error && $0.message.contains(why) }, "\(why): \(translation.diagnostics)")
        }
    }
}
