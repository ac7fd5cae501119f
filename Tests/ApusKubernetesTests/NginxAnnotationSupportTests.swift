import ApusCore
@testable import ApusKubernetes
import Foundation
import Testing

/// The compatibility table in docs/ says what the controller does: every row is the
/// controller's own entry, and each annotation, tried on an Ingress, is served, served
/// with a no-effect warning, or refused with a pointer to the table, as its row says.
@Suite struct NginxAnnotationSupportTests {
    typealias F = KubeFixture
    static let prefix = "nginx.ingress.kubernetes.io/"

    /// A value each supported annotation accepts, with what else it needs.
    static let samples: [String: [String: String]] = [
        "allowlist-source-range": ["allowlist-source-range": "10.0.0.0/8"],
        "whitelist-source-range": ["whitelist-source-range": "10.0.0.0/8"],
        "denylist-source-range": ["denylist-source-range": "10.0.0.9"],
        "custom-http-errors": ["custom-http-errors": "404,503"],
        "custom-headers": ["custom-headers": "headers"],
        "auth-proxy-set-headers": ["auth-url": "http://auth.test/", "auth-proxy-set-headers": "headers"],
        "auth-tls-secret": ["auth-tls-secret": "client-ca"],
        "auth-tls-verify-client": ["auth-tls-secret": "client-ca", "auth-tls-verify-client": "optional"],
        "auth-tls-verify-depth": ["auth-tls-secret": "client-ca", "auth-tls-verify-depth": "2"],
        "auth-tls-error-page": ["auth-tls-secret": "client-ca", "auth-tls-error-page": "https://help.example.test/"],
        "auth-tls-pass-certificate-to-upstream": ["auth-tls-secret": "client-ca", "auth-tls-pass-certificate-to-upstream": "true"],
        "auth-tls-match-cn": ["auth-tls-secret": "client-ca", "auth-tls-match-cn": "CN=client"],
        "default-backend": ["default-backend": "web"],
        "auth-type": ["auth-type": "basic", "auth-secret": "users"],
        "auth-secret": ["auth-type": "basic", "auth-secret": "users"],
        "auth-secret-type": ["auth-type": "basic", "auth-secret": "users", "auth-secret-type": "auth-map"],
        "auth-realm": ["auth-type": "basic", "auth-secret": "users", "auth-realm": "Staff"],
        "backend-protocol": ["backend-protocol": "HTTPS"],
        "auth-url": ["auth-url": "http://auth.test/verify"],
        "auth-method": ["auth-url": "http://auth.test/verify", "auth-method": "POST"],
        "auth-signin": ["auth-url": "http://auth.test/verify", "auth-signin": "https://sso.test/start"],
        "auth-signin-redirect-param": ["auth-url": "http://auth.test/verify", "auth-signin": "https://sso.test/start", "auth-signin-redirect-param": "next"],
        "auth-response-headers": ["auth-url": "http://auth.test/verify", "auth-response-headers": "X-User"],
        "auth-request-redirect": ["auth-url": "http://auth.test/verify", "auth-request-redirect": "https://$host/"],
        "auth-cache-key": ["auth-url": "http://auth.test/verify", "auth-cache-key": "$http_authorization"],
        "auth-cache-duration": ["auth-url": "http://auth.test/verify", "auth-cache-key": "$http_authorization", "auth-cache-duration": "200 1m"],
        "auth-always-set-cookie": ["auth-url": "http://auth.test/verify", "auth-always-set-cookie": "true"],
        "enable-cors": ["enable-cors": "true"],
        "cors-allow-origin": ["enable-cors": "true", "cors-allow-origin": "https://a.example.com"],
        "cors-allow-methods": ["enable-cors": "true", "cors-allow-methods": "GET, POST"],
        "cors-allow-headers": ["enable-cors": "true", "cors-allow-headers": "X-Token"],
        "cors-expose-headers": ["enable-cors": "true", "cors-expose-headers": "X-Id"],
        "cors-allow-credentials": ["enable-cors": "true", "cors-allow-credentials": "false"],
        "cors-max-age": ["enable-cors": "true", "cors-max-age": "60"],
        "force-ssl-redirect": ["force-ssl-redirect": "true"],
        "ssl-redirect": ["ssl-redirect": "false"],
        "load-balance": ["load-balance": "ewma"],
        "proxy-body-size": ["proxy-body-size": "8m"],
        "proxy-connect-timeout": ["proxy-connect-timeout": "5"],
        "proxy-read-timeout": ["proxy-read-timeout": "60"],
        "proxy-send-timeout": ["proxy-send-timeout": "60"],
        "rewrite-target": ["rewrite-target": "/"],
        "use-regex": ["use-regex": "true"],
        "app-root": ["app-root": "/app"],
        "enable-access-log": ["enable-access-log": "false"],
        "proxy-next-upstream": ["proxy-next-upstream": "error timeout http_502"],
        "proxy-next-upstream-tries": ["proxy-next-upstream-tries": "2"],
        "proxy-next-upstream-timeout": ["proxy-next-upstream-timeout": "10"],
        "upstream-vhost": ["upstream-vhost": "internal.example.com"],
        "x-forwarded-prefix": ["x-forwarded-prefix": "/api"],
        "from-to-www-redirect": ["from-to-www-redirect": "true"],
        "server-alias": ["server-alias": "alias.test, *.alias.test"],
        "preserve-trailing-slash": ["preserve-trailing-slash": "false"],
        "permanent-redirect": ["permanent-redirect": "https://new.example.com$request_uri"],
        "permanent-redirect-code": ["permanent-redirect": "https://new.example.com", "permanent-redirect-code": "308"],
        "temporal-redirect": ["temporal-redirect": "https://maintenance.example.com/"],
        "temporal-redirect-code": ["temporal-redirect": "https://maintenance.example.com/", "temporal-redirect-code": "307"],
        "configuration-snippet": ["configuration-snippet": "more_set_headers 'X-Frame-Options: DENY';"],
        "server-snippet": ["server-snippet": "add_header X-Served-By apus always;"],
        "affinity": ["affinity": "cookie"],
        "affinity-mode": ["affinity": "cookie", "affinity-mode": "persistent"],
        "affinity-canary-behavior": ["affinity": "cookie", "affinity-canary-behavior": "legacy"],
        "session-cookie-name": ["affinity": "cookie", "session-cookie-name": "route"],
        "session-cookie-path": ["affinity": "cookie", "session-cookie-path": "/app"],
        "session-cookie-domain": ["affinity": "cookie", "session-cookie-domain": "example.com"],
        "session-cookie-max-age": ["affinity": "cookie", "session-cookie-max-age": "172800"],
        "session-cookie-expires": ["affinity": "cookie", "session-cookie-expires": "172800"],
        "session-cookie-samesite": ["affinity": "cookie", "session-cookie-samesite": "None"],
        "session-cookie-secure": ["affinity": "cookie", "session-cookie-secure": "true"],
        "session-cookie-conditional-samesite-none": ["affinity": "cookie", "session-cookie-samesite": "None", "session-cookie-conditional-samesite-none": "true"],
        "session-cookie-change-on-failure": ["affinity": "cookie", "session-cookie-change-on-failure": "true"],
        "upstream-hash-by": ["upstream-hash-by": "$request_uri"],
        "upstream-hash-by-subset": ["upstream-hash-by": "$remote_addr", "upstream-hash-by-subset": "true"],
        "upstream-hash-by-subset-size": ["upstream-hash-by": "$remote_addr", "upstream-hash-by-subset": "true", "upstream-hash-by-subset-size": "4"],
        "limit-rps": ["limit-rps": "10"],
        "limit-rpm": ["limit-rpm": "300"],
        "limit-burst-multiplier": ["limit-rps": "10", "limit-burst-multiplier": "2"],
        "limit-connections": ["limit-connections": "20"],
        "limit-whitelist": ["limit-rps": "10", "limit-whitelist": "10.0.0.0/8, 192.168.1.1"],
        "canary": ["canary": "true"],
        "canary-by-header": ["canary": "true", "canary-by-header": "X-Canary"],
        "canary-by-header-value": ["canary": "true", "canary-by-header": "X-Canary", "canary-by-header-value": "v2"],
        "canary-by-header-pattern": ["canary": "true", "canary-by-header": "X-Canary", "canary-by-header-pattern": "^v[0-9]$"],
        "canary-by-cookie": ["canary": "true", "canary-by-cookie": "beta"],
        "canary-weight": ["canary": "true", "canary-weight": "10"],
        "canary-weight-total": ["canary": "true", "canary-weight": "10", "canary-weight-total": "1000"],
    ]

    static func translate(_ annotations: [String: String]) throws -> IngressTranslation {
        let users = """
        apiVersion: v1
        kind: Secret
        metadata: { name: users, namespace: demo }
        type: Opaque
        stringData: { alice: "{SHA}NSIKr+5ZMMKFCatHd+QmGlIwagA=" }
        """
        let prefixed = Dictionary(uniqueKeysWithValues: annotations.map { (prefix + $0.key, $0.value) })
        return try F.translate([F.ourClass, F.ingress("compat", annotations: prefixed), users] + F.web)
    }

    @Test func theDocumentIsTheControllersTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let document = try String(contentsOf: root.appendingPathComponent(NginxAnnotationSupport.documentPath), encoding: .utf8)
        let rows = document.split(separator: "\n").filter { $0.hasPrefix("| `") }.map(String.init)
        let expected = NginxAnnotationSupport.entries.map { "| `\($0.name)` | \($0.level.rawValue) | \($0.note) |" }
        #expect(rows == expected)
        var counts: [NginxAnnotationSupport.Level: Int] = [:]
        for entry in NginxAnnotationSupport.entries { counts[entry.level, default: 0] += 1 }
        #expect(document.contains("Counts: \(counts[.same] ?? 0) same, \(counts[.deviation] ?? 0) with a deviation, \(counts[.noEffect] ?? 0) accepted without effect, \(counts[.refused] ?? 0) refused."))
        #expect(NginxAnnotationSupport.entries.count == 131)
    }

    @Test func eachAnnotationDoesWhatItsRowSays() throws {
        for entry in NginxAnnotationSupport.entries {
            let annotations = Self.samples[entry.name] ?? [entry.name: "1"]
            let translation = try Self.translate(annotations)
            let accepted = translation.reports.first?.accepted == true
            switch entry.level {
            case .same, .deviation:
                #expect(Self.samples[entry.name] != nil, "\(entry.name): no sample value")
                #expect(accepted, "\(entry.name): \(translation.diagnostics)")
            case .noEffect:
                #expect(accepted, "\(entry.name)")
                #expect(translation.diagnostics.contains { $0.code == "annotation-without-effect" && $0.message.contains(entry.name) }, "\(entry.name)")
            case .refused:
                #expect(!accepted, "\(entry.name)")
                #expect(translation.diagnostics.contains { $0.severity == .error && $0.message.contains(NginxAnnotationSupport.documentPath) }, "\(entry.name): \(translation.diagnostics)")
            }
        }
    }
}
