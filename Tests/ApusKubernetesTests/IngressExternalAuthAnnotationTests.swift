import ApusCore
import ApusKubernetes
import Testing

/// External-auth annotations in both dialects: what the compiled route asks and where, the
/// upstream made for the auth service, and the refusals that name the annotation.
@Suite struct IngressExternalAuthAnnotationTests {
    typealias F = KubeFixture

    static func auth(_ annotations: [String: String]) throws -> (CompiledExternalAuth?, IngressTranslation) {
        let translation = try F.translate([F.ourClass, F.ingress("auth", annotations: annotations)] + F.web)
        let route = IngressRequestAnnotationTests.compiledRoute(translation, host: "app.test", path: "/")
        return (route?.externalAuth, translation)
    }

    static func errors(_ translation: IngressTranslation) -> [String] {
        translation.diagnostics.filter { $0.severity == .error }.map(\.message)
    }

    @Test func nginxDialectWithEveryValue() throws {
        let (auth, translation) = try Self.auth([
            "nginx.ingress.kubernetes.io/auth-url": "http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth",
            "nginx.ingress.kubernetes.io/auth-signin": "https://sso.example.test/oauth2/start",
            "nginx.ingress.kubernetes.io/auth-signin-redirect-param": "return_to",
            "nginx.ingress.kubernetes.io/auth-method": "post",
            "nginx.ingress.kubernetes.io/auth-response-headers": "X-Auth-Request-User, X-Auth-Request-Email",
            "nginx.ingress.kubernetes.io/auth-request-redirect": "https://$host$request_uri",
            "nginx.ingress.kubernetes.io/auth-cache-key": "$remote_user$http_authorization",
            "nginx.ingress.kubernetes.io/auth-cache-duration": "200 202 10m, 401 30s",
            "nginx.ingress.kubernetes.io/auth-always-set-cookie": "true",
            "nginx.ingress.kubernetes.io/auth-keepalive": "10",
        ])
        #expect(Self.errors(translation).isEmpty, "\(translation.diagnostics)")
        let compiled = try #require(auth)
        #expect(compiled.url.host == "oauth2-proxy.auth.svc.cluster.local" && compiled.url.port == 4180 && !compiled.url.tls)
        #expect(compiled.method == "POST" && compiled.methodGiven)
        #expect(compiled.signin?.written == "https://sso.example.test/oauth2/start?return_to=$pass_access_scheme://$http_host$escaped_request_uri")
        #expect(compiled.responseHeaderKeys == ["x-auth-request-user", "x-auth-request-email"])
        #expect(compiled.cacheSeconds(for: 202) == 600 && compiled.cacheSeconds(for: 401) == 30 && compiled.cacheSeconds(for: 403) == nil)
        #expect(compiled.alwaysSetCookie)
        // The service is an upstream of its own, resolved by name like any other.
        let upstream = try #require(translation.configuration.upstreams.first { $0.name == compiled.url.upstreamName })
        #expect(upstream.endpoints.map(\.address) == ["oauth2-proxy.auth.svc.cluster.local:4180"])
        #expect(translation.diagnostics.contains { $0.message.contains("auth-keepalive") && $0.severity == .warning })
    }

    @Test func apusDialectOnTheRequestsOwnHost() throws {
        let (auth, translation) = try Self.auth([
            "apus.dev/auth-url": "https://$host/oauth2/auth",
            "apus.dev/auth-signin": "https://$host/oauth2/start?rd=$escaped_request_uri",
        ])
        #expect(Self.errors(translation).isEmpty, "\(translation.diagnostics)")
        let compiled = try #require(auth)
        #expect(compiled.upstream == -1 && compiled.url.host == nil)
        #expect(compiled.method == "GET" && !compiled.methodGiven)
        // rd is there already: nothing is added.
        #expect(compiled.signin?.written == "https://$host/oauth2/start?rd=$escaped_request_uri")
        #expect(compiled.cacheSeconds(for: 200) == nil, "nothing is remembered without a key")
    }

    @Test func badValuesRefuseTheIngressNamingTheAnnotation() throws {
        let cases: [(String, String, String)] = [
            ("auth-url", "ftp://auth.test/", "is not an http:// or https:// URL"),
            ("auth-url", "http://$http_x_host/auth", "the host may be"),
            ("auth-url", "http://auth.test/check?u=$upstream_addr", "$upstream_addr"),
            ("auth-method", "BREW", "is not one of"),
            ("auth-response-headers", "X-User, Bad Header", "is not a header name"),
            ("auth-response-headers", "Content-Length", "managed by apus"),
            ("auth-cache-duration", "200 forever", "is not a cache duration"),
            ("auth-signin", "https://sso.test/start?rd=$nope", "$nope"),
        ]
        for (name, value, why) in cases {
            var annotations = ["nginx.ingress.kubernetes.io/auth-url": "http://auth.test/verify"]
            annotations["nginx.ingress.kubernetes.io/\(name)"] = value
            let (auth, translation) = try Self.auth(annotations)
            #expect(auth == nil, "\(name): \(value)")
            let errors = Self.errors(translation)
            #expect(errors.contains { $0.contains("nginx.ingress.kubernetes.io/\(name)") && $0.contains(why) }, "\(name): \(errors)")
        }
        // Without auth-url the others do nothing, and say so.
        let (none, translation) = try Self.auth(["nginx.ingress.kubernetes.io/auth-signin": "https://sso.test/start"])
        #expect(none == nil && Self.errors(translation).isEmpty)
        #expect(translation.diagnostics.contains { $0.message.contains("has no effect without auth-url") })
        // The headers ConfigMap must be a ConfigMap name.
        let (withMap, refused) = try Self.auth(["nginx.ingress.kubernetes.io/auth-url": "http://auth.test/", "nginx.ingress.kubernetes.io/auth-proxy-set-headers": "auth/headers/x"])
        #expect(withMap == nil && Self.errors(refused).contains { $0.contains("auth-proxy-set-headers: 'auth/headers/x' is not a ConfigMap") })
    }
}

/// `apus migrate`'s pieces: the class rewrite keeps the text, and the ConfigMap's keys map
/// to the controller config or say why not.
@Suite struct MigrationPieceTests {
    @Test func classRewriteKeepsEverythingElse() {
        let text = """
        # comment kept
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: a
          namespace: web
          annotations:
            kubernetes.io/ingress.class: nginx
            nginx.ingress.kubernetes.io/app-root: /app
        spec:
          rules: []
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: b, namespace: web }
        spec:
          ingressClassName: nginx
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: a, namespace: web }
        """
        let all = IngressClassRewrite.rewrite(text, to: "apus") { _, _ in true }
        #expect(all.contains("# comment kept") && all.contains("nginx.ingress.kubernetes.io/app-root: /app"))
        #expect(!all.contains("kubernetes.io/ingress.class:"))
        #expect(all.components(separatedBy: "ingressClassName: apus").count == 3)
        #expect(all.contains("spec:\n  ingressClassName: apus\n  rules: []"))
        let onlyB = IngressClassRewrite.rewrite(text, to: "apus") { _, name in name == "b" }
        #expect(onlyB.contains("kubernetes.io/ingress.class: nginx") && onlyB.components(separatedBy: "ingressClassName: apus").count == 2)
    }

    @Test func configMapKeys() {
        let mapping = NginxConfigMapMapping(data: [
            "use-forwarded-headers": "true", "forwarded-for-header": "X-Client-IP", "proxy-connect-timeout": "7",
            "use-proxy-protocol": "true", "gzip-level": "12", "custom-http-errors": "404, 503",
            "hsts": "true",
        ])
        let becomes = Dictionary(uniqueKeysWithValues: mapping.keys.map { ($0.name, $0.becomes) })
        #expect(becomes["use-forwarded-headers"] == "client_address.trusted_proxies: [0.0.0.0/0, ::/0]")
        #expect(becomes["forwarded-for-header"] == "client_address.header: X-Client-IP")
        #expect(becomes["proxy-connect-timeout"] == "timeouts.upstream_connect: 7s")
        #expect(becomes["gzip-level"] == .some(nil), "12 is not a level")
        #expect(becomes["custom-http-errors"] == "--custom-http-errors 404,503")
        // ingress-nginx's defaults fill in the HSTS keys the ConfigMap leaves out.
        #expect(becomes["hsts"] == "--hsts 'max-age=31536000; includeSubDomains'")
        #expect(mapping.controllerFlags == ["--hsts 'max-age=31536000; includeSubDomains'", "--custom-http-errors 404,503"])
        let yaml = mapping.configYAML
        #expect(yaml.contains("proxy_protocol: true") && yaml.contains("header: X-Client-IP") && yaml.contains("upstream_connect: 7s"))
        #expect(!yaml.contains("level: 12"))
        #expect(yaml.contains("# Run the controller with: --hsts 'max-age=31536000; includeSubDomains' --custom-http-errors 404,503"))
    }

    @Test func hstsKeys() {
        func flag(_ data: [String: String]) -> String? { NginxConfigMapMapping(data: data).controllerFlags.first }
        #expect(flag([:]) == "--hsts 'max-age=31536000; includeSubDomains'", "ingress-nginx sends HSTS by default")
        #expect(flag(["hsts-max-age": "600", "hsts-include-subdomains": "false", "hsts-preload": "true"]) == "--hsts 'max-age=600; preload'")
        #expect(flag(["hsts": "false", "hsts-max-age": "junk", "hsts-preload": "junk"]) == nil, "off: the other keys do not matter")
        #expect(flag(["hsts": ""]) == nil, "ingress-nginx's decoder takes an empty string for false")
        #expect(flag(["hsts": "True", "hsts-preload": "1"]) == "--hsts 'max-age=31536000; includeSubDomains; preload'", "Go's boolean spellings")
        // A boolean ingress-nginx cannot read keeps its default there, and here.
        let unreadable = NginxConfigMapMapping(data: ["hsts-preload": "yes"])
        #expect(unreadable.controllerFlags == ["--hsts 'max-age=31536000; includeSubDomains'"])
        #expect(unreadable.keys.first?.note.hasPrefix("'yes' is not a boolean, so ingress-nginx keeps its default (false); ") == true, "\(unreadable.keys)")
        let broken = NginxConfigMapMapping(data: ["hsts-max-age": "a year", "hsts": "true"])
        #expect(broken.controllerFlags.isEmpty)
        #expect(broken.keys.allSatisfy { $0.becomes == nil }, "\(broken.keys)")
        #expect(broken.keys.first { $0.name == "hsts-max-age" }?.note.hasPrefix("'a year' is not a number of seconds") == true)
        let off = NginxConfigMapMapping(data: ["hsts": "false"])
        #expect(off.keys.first?.becomes == "(default)" && off.controllerFlags.isEmpty)
    }
}
