import ApusCore
import ApusKubernetes
import Foundation
import Testing

/// The first set of annotations (../shared/kubernetes/annotations.md) in both dialects.
@Suite struct IngressAnnotationTests {
    typealias F = KubeFixture

    /// nginx use-regex: case-insensitive, start-anchored, host-wide across Ingresses, longest first.
    @Test func nginxRegexIsHostWide() throws {
        let regexIngress = F.ingress("r", created: "2026-01-01T00:00:00Z", paths: [("/v[0-9]+", "ImplementationSpecific", "api", "80")],
                                     annotations: ["nginx.ingress.kubernetes.io/use-regex": "true"])
        let plain = F.ingress("p", created: "2026-01-02T00:00:00Z", paths: [("/v1/special", "Prefix", "special", "80"), ("/exact", "Exact", "exact", "80")])
        let translation = try F.translate([F.ourClass, regexIngress, plain, F.service("api"), F.service("special"), F.service("exact")])
        #expect(translation.upstream(host: "app.test", path: "/V2/anything") == "demo/api:80")
        // The other Ingress's Prefix became a regex too, and the longer one is tried first.
        #expect(translation.upstream(host: "app.test", path: "/v1/specialized") == "demo/special:80")
        #expect(translation.upstream(host: "app.test", path: "/exact") == "demo/exact:80")
        #expect(translation.upstream(host: "app.test", path: "/exact/more") == nil)
        let rules = translation.configuration.routes.flatMap(\.paths)
        #expect(rules.filter { $0.match == .regex }.map(\.path) == ["/v1/special", "/v[0-9]+"])
        #expect(rules.allSatisfy { $0.match != .regex || $0.regexFlavor == .nginxCompatible })
    }

    /// apus.dev/use-regex: case-sensitive whole-path regexes, only on that Ingress's ImplementationSpecific paths.
    @Test func apusRegexIsPathLocal() throws {
        let regexIngress = F.ingress("r", paths: [("/v[0-9]+", "ImplementationSpecific", "api", "80"), ("/p", "Prefix", "prefix", "80")],
                                     annotations: ["apus.dev/use-regex": "true"])
        let translation = try F.translate([F.ourClass, regexIngress, F.service("api"), F.service("prefix")])
        #expect(translation.upstream(host: "app.test", path: "/v2") == "demo/api:80")
        #expect(translation.upstream(host: "app.test", path: "/v2/x") == nil)
        #expect(translation.upstream(host: "app.test", path: "/V2") == nil)
        #expect(translation.upstream(host: "app.test", path: "/p/x") == "demo/prefix:80")
    }

    struct UpstreamCase: Sendable, CustomStringConvertible {
        var annotations: [String: String]
        var check: @Sendable (UpstreamConfig) -> Bool
        var description: String { annotations.description }
    }

    static let upstreamCases: [UpstreamCase] = [
        UpstreamCase(annotations: ["nginx.ingress.kubernetes.io/proxy-connect-timeout": "3", "nginx.ingress.kubernetes.io/proxy-read-timeout": "120", "nginx.ingress.kubernetes.io/proxy-send-timeout": "7"]) {
            $0.connectTimeoutMilliseconds == 3000 && $0.readTimeoutMilliseconds == 120_000 && $0.sendTimeoutMilliseconds == 7000
        },
        UpstreamCase(annotations: ["apus.dev/proxy-connect-timeout": "250ms", "apus.dev/proxy-read-timeout": "2m"]) {
            $0.connectTimeoutMilliseconds == 250 && $0.readTimeoutMilliseconds == 120_000 && $0.sendTimeoutMilliseconds == nil
        },
        UpstreamCase(annotations: ["nginx.ingress.kubernetes.io/backend-protocol": "HTTPS"]) { $0.tls?.verify == false },
        UpstreamCase(annotations: ["apus.dev/backend-protocol": "HTTPS"]) { $0.tls?.verify == true && $0.tls?.serverName == "web.demo.svc" },
        UpstreamCase(annotations: ["nginx.ingress.kubernetes.io/backend-protocol": "GRPC"]) { $0.httpProtocol == .h2 && $0.tls == nil },
        UpstreamCase(annotations: ["nginx.ingress.kubernetes.io/backend-protocol": "GRPCS"]) { $0.httpProtocol == .h2 && $0.tls?.verify == false },
        UpstreamCase(annotations: ["apus.dev/backend-protocol": "grpcs"]) { $0.httpProtocol == .h2 && $0.tls?.verify == true },
        UpstreamCase(annotations: ["nginx.ingress.kubernetes.io/load-balance": "ewma"]) { $0.balance == .ewma },
        UpstreamCase(annotations: ["apus.dev/load-balance": "ewma"]) { $0.balance == .ewma },
        UpstreamCase(annotations: ["apus.dev/load-balance": "least_conn"]) { $0.balance == .leastConnections },
        UpstreamCase(annotations: ["nginx.ingress.kubernetes.io/ssl-redirect": "false", "nginx.ingress.kubernetes.io/backend-protocol": "HTTP"]) { $0.tls == nil && $0.name == "demo/web:80" },
    ]

    /// Upstream annotations set the upstream's timeouts, TLS and balancing; such an upstream is the Ingress's own.
    @Test(arguments: upstreamCases) func upstreamSettings(_ c: UpstreamCase) throws {
        let translation = try F.translate([F.ourClass, F.ingress("a", annotations: c.annotations)] + F.web)
        #expect(translation.reports.first?.accepted == true, "\(translation.diagnostics)")
        let upstream = try #require(translation.configuration.upstreams.first)
        #expect(c.check(upstream), "\(upstream)")
        #expect(!translation.diagnostics.contains { $0.severity == .error })
    }

    /// A Service port whose appProtocol is `kubernetes.io/h2c` or `grpc` is spoken to in
    /// HTTP/2 without any annotation; another appProtocol changes nothing.
    @Test(arguments: [("kubernetes.io/h2c", true), ("grpc", true), ("http", false)])
    func appProtocolChoosesHTTP2(_ appProtocol: String, _ http2: Bool) throws {
        let service = F.service("web", ports: "[{ name: http, port: 80, targetPort: 8080, appProtocol: \(appProtocol) }]")
        let translation = try F.translate([F.ourClass, F.ingress("a"), service, F.web[1]])
        let upstream = try #require(translation.configuration.upstreams.first)
        #expect(upstream.httpProtocol == (http2 ? .h2 : .http1), "\(upstream)")
        #expect(upstream.name == "demo/web:80")
    }

    struct RefusalCase: Sendable, CustomStringConvertible {
        var annotation: String
        var value: String
        var code: String
        var description: String { "\(annotation)=\(value)" }
    }

    static let refusals: [RefusalCase] = [
        RefusalCase(annotation: "nginx.ingress.kubernetes.io/rewrite-target", value: "/$2?x=1", code: "invalid-annotation"),
        RefusalCase(annotation: "apus.dev/rewrite-target", value: "/$request_uri", code: "invalid-annotation"),
        RefusalCase(annotation: "nginx.ingress.kubernetes.io/proxy-body-size", value: "8mb", code: "invalid-annotation"),
        RefusalCase(annotation: "apus.dev/proxy-body-size", value: "-1", code: "invalid-annotation"),
        RefusalCase(annotation: "nginx.ingress.kubernetes.io/force-ssl-redirect", value: "yes", code: "invalid-annotation"),
        RefusalCase(annotation: "apus.dev/ssl-redirect", value: "on", code: "invalid-annotation"),
        RefusalCase(annotation: "nginx.ingress.kubernetes.io/backend-protocol", value: "FCGI", code: "annotation-not-supported"),
        RefusalCase(annotation: "nginx.ingress.kubernetes.io/backend-protocol", value: "SMTP", code: "invalid-annotation"),
        RefusalCase(annotation: "nginx.ingress.kubernetes.io/proxy-read-timeout", value: "60s", code: "invalid-annotation"),
        RefusalCase(annotation: "apus.dev/proxy-read-timeout", value: "60", code: "invalid-annotation"),
        RefusalCase(annotation: "apus.dev/load-balance", value: "random", code: "invalid-annotation"),
        RefusalCase(annotation: "nginx.ingress.kubernetes.io/load-balance", value: "least_conn", code: "invalid-annotation"),
        RefusalCase(annotation: "nginx.ingress.kubernetes.io/use-regex", value: "yes", code: "invalid-annotation"),
        RefusalCase(annotation: "nginx.ingress.kubernetes.io/affinity", value: "ip", code: "invalid-annotation"),
        RefusalCase(annotation: "nginx.ingress.kubernetes.io/mirror-target", value: "https://mirror.test$request_uri", code: "annotation-not-supported"),
        RefusalCase(annotation: "nginx.ingress.kubernetes.io/no-such-thing", value: "1", code: "unknown-annotation"),
        RefusalCase(annotation: "apus.dev/colour", value: "blue", code: "unknown-annotation"),
    ]

    /// An annotation that cannot be honoured refuses the whole Ingress (never half-applied);
    /// the other Ingresses keep being served.
    @Test(arguments: refusals) func refusedIngress(_ c: RefusalCase) throws {
        let refused = F.ingress("bad", host: "bad.test", annotations: [c.annotation: c.value])
        let translation = try F.translate([F.ourClass, refused, F.ingress("good", host: "good.test")] + F.web)
        #expect(translation.upstream(host: "bad.test", path: "/") == nil)
        #expect(translation.upstream(host: "good.test", path: "/") == "demo/web:80")
        let report = try #require(translation.reports.first { $0.ingress.name == "bad" })
        #expect(!report.accepted)
        #expect(report.diagnostics.contains { $0.code == c.code && $0.severity == .error && $0.message.contains(c.annotation) }, "\(report.diagnostics)")
    }

    /// Snippets are read for their header directives only, which become header rules;
    /// anything else in them refuses the Ingress and is named. Other tools' annotations are
    /// ignored.
    @Test func snippetsAndForeignAnnotations() throws {
        let ingress = F.ingress("s", annotations: [
            "nginx.ingress.kubernetes.io/configuration-snippet": "more_set_headers 'X-Frame-Options: DENY' 'X-Team: web'; # security\\n proxy_set_header X-Origin edge; more_clear_headers Server;",
            "nginx.ingress.kubernetes.io/server-snippet": "add_header Cache-Control no-store always;",
            "cert-manager.io/cluster-issuer": "letsencrypt",
        ])
        let translation = try F.translate([F.ourClass, ingress] + F.web)
        #expect(translation.diagnostics.isEmpty, "\(translation.diagnostics)")
        let route = try #require(IngressRequestAnnotationTests.compiledRoute(translation, host: "app.test", path: "/"))
        #expect(route.responseHeaderRules?.replacing.map(\.name) == ["X-Frame-Options", "X-Team"])
        #expect(route.responseHeaderRules?.adding.map(\.name) == ["Cache-Control"])
        #expect(route.responseHeaderRules?.removing.map(\.name) == ["Server"])
        #expect(route.requestHeaderRules?.replacing.map(\.value) == [.literal("edge")])

        let refusals: [(String, String, String)] = [
            ("configuration-snippet", "rewrite ^/a /b break;", "has the directive 'rewrite'"),
            ("configuration-snippet", "if ($host = x) { return 403; }", "has a block"),
            ("configuration-snippet", "more_set_headers 'X-Host: $host';", "uses an nginx variable"),
            ("server-snippet", "more_set_headers 'X-A: b'", "ends without ';'"),
            ("stream-snippet", "server { listen 53; }", "which Apus does not read"),
        ]
        for (annotation, value, why) in refusals {
            let refused = try F.translate([F.ourClass, F.ingress("r", annotations: ["nginx.ingress.kubernetes.io/\(annotation)": value])] + F.web)
            #expect(refused.reports.first?.accepted == false, "\(value)")
            #expect(refused.diagnostics.contains { $0.code == "snippet-not-supported" && $0.message.contains(why) }, "\(why): \(refused.diagnostics)")
        }
    }

    /// TLS from a Secret in the Ingress's namespace goes, in memory, onto HTTPS listeners
    /// after their own certificate; a missing or broken Secret is reported and leaves the default.
    @Test func tlsSecrets() throws {
        let secretJSON = try String(contentsOfFile: "\(F.samples)/get-secret-demo-tls.json", encoding: .utf8)
        let broken = "apiVersion: v1\nkind: Secret\nmetadata: { name: broken, namespace: demo }\ntype: kubernetes.io/tls\nstringData: { tls.crt: nonsense, tls.key: nonsense }"
        let ingress = F.ingress("t", extraSpec: "  tls: [ { hosts: [demo.test], secretName: demo-tls }, { hosts: [b.test], secretName: broken }, { hosts: [c.test], secretName: absent } ]")
        let base = Configuration(listeners: [
            ListenerConfig(name: "http", listen: "127.0.0.1:8080"),
            ListenerConfig(name: "https", listen: "127.0.0.1:8443", tls: ListenerTLSConfig(certificates: [CertificateConfig(certificateFile: "/etc/default.crt", keyFile: "/etc/default.key")])),
        ])
        let translation = try F.translate([F.ourClass, ingress, secretJSON, broken] + F.web, base: base)
        let certificates = try #require(translation.configuration.listeners[1].tls?.certificates)
        #expect(certificates.map(\.certificateFile) == ["/etc/default.crt", "secret demo/demo-tls"])
        #expect(certificates[1].pem?.certificateChain.hasPrefix("-----BEGIN CERTIFICATE-----") == true)
        #expect(translation.configuration.listeners[0].tls == nil)
        let codes = Set(translation.diagnostics.map(\.code))
        #expect(codes == ["tls-secret-invalid", "tls-secret-missing"], "\(translation.diagnostics)")
    }
}
