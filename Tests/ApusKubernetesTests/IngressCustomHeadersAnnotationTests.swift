import ApusCore
import ApusKubernetes
import Testing

/// `custom-headers` in both dialects: a ConfigMap's entries set on responses, a snippet's
/// rule winning for the same name, and the 503 ingress-nginx answers when the ConfigMap
/// cannot be used.
@Suite struct IngressCustomHeadersAnnotationTests {
    typealias F = KubeFixture

    static func configMap(_ name: String, namespace: String = "demo", data: String) -> String {
        "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: \(name), namespace: \(namespace) }\ndata: \(data)\n"
    }

    static func route(_ translation: IngressTranslation) -> CompiledRoute? {
        IngressRequestAnnotationTests.compiledRoute(translation, host: "app.test", path: "/")
    }

    @Test(arguments: ["nginx.ingress.kubernetes.io/", "apus.dev/"])
    func entriesAreSetOnResponses(prefix: String) throws {
        let translation = try F.translate([
            F.ourClass, Self.configMap("headers", data: #"{ X-Frame-Options: DENY, X-Team: "shop (blue)", Cache-Control: "no-store" }"#),
            F.ingress("shop", annotations: [
                prefix + "custom-headers": "demo/headers",
                "nginx.ingress.kubernetes.io/configuration-snippet": "more_set_headers \\\"X-Team: red\\\";",
            ]),
        ] + F.web)
        #expect(translation.diagnostics.isEmpty, "\(translation.diagnostics)")
        let route = try #require(Self.route(translation))
        let rules = try #require(route.responseHeaderRules)
        #expect(rules.replacing.map(\.name).sorted() == ["Cache-Control", "X-Frame-Options", "X-Team"])
        #expect(rules.replacing.first { $0.name == "X-Team" }?.value == .literal("red"), "the snippet's rule wins")
        #expect(rules.replacing.first { $0.name == "X-Frame-Options" }?.value == .literal("DENY"))
        guard case .proxy = route.action else { Issue.record("not proxied"); return }
    }

    @Test func aConfigMapThatCannotBeUsedAnswers503() throws {
        let cases: [(String, [String], String)] = [
            ("absent", [], "ConfigMap demo/absent does not exist"),
            ("other/headers", [Self.configMap("headers", namespace: "other", data: "{ X-A: b }")], "is in another namespace"),
            ("badname", [Self.configMap("badname", data: #"{ "X A": b }"#)], "'X A', which is not a header name"),
            ("badvalue", [Self.configMap("badvalue", data: #"{ X-A: "tab\there" }"#)], "entry 'X-A' has a value"),
        ]
        for (name, objects, why) in cases {
            let translation = try F.translate([F.ourClass, F.ingress("shop", annotations: ["nginx.ingress.kubernetes.io/custom-headers": name])] + objects + F.web)
            let finding = try #require(translation.diagnostics.first { $0.code == "custom-headers-unavailable" }, "\(name)")
            #expect(finding.message.contains(why), "\(finding.message)")
            let route = try #require(Self.route(translation))
            guard case .fixedResponse(let status, _, _) = route.action else { Issue.record("\(name): not closed"); continue }
            #expect(status == 503)
        }
    }

    @Test func aBadNameRefusesTheIngress() throws {
        let translation = try F.translate([F.ourClass, F.ingress("shop", annotations: ["apus.dev/custom-headers": "a/b/c"])] + F.web)
        #expect(translation.diagnostics.contains { $0.severity == .error && $0.message.hasPrefix("annotation apus.dev/custom-headers: 'a/b/c'") })
    }
}

/// `auth-proxy-set-headers`: a ConfigMap's entries set on the external-auth request.
@Suite struct IngressAuthProxySetHeadersTests {
    typealias F = KubeFixture

    @Test(arguments: ["nginx.ingress.kubernetes.io/", "apus.dev/"])
    func entriesGoOnTheAuthRequest(prefix: String) throws {
        let translation = try F.translate([
            F.ourClass, IngressCustomHeadersAnnotationTests.configMap("auth-headers", data: #"{ X-Tenant: "$host", X-Static: "a b" }"#),
            F.ingress("shop", annotations: [prefix + "auth-url": "http://auth.test/verify", prefix + "auth-proxy-set-headers": "auth-headers"]),
        ] + F.web)
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        let auth = try #require(IngressCustomHeadersAnnotationTests.route(translation)?.externalAuth)
        #expect(auth.setFields.map(\.name) == ["X-Static", "X-Tenant"])
        #expect(auth.setFields.map(\.value.written) == ["a b", "$host"])
    }

    @Test func aMissingConfigMapClosesThePathsAndAFieldTheRequestWritesIsRefused() throws {
        let missing = try F.translate([F.ourClass, F.ingress("shop", annotations: [
            "nginx.ingress.kubernetes.io/auth-url": "http://auth.test/verify", "nginx.ingress.kubernetes.io/auth-proxy-set-headers": "nowhere",
        ])] + F.web)
        #expect(missing.diagnostics.contains { $0.code == "auth-proxy-set-headers-unavailable" && $0.message.contains("demo/nowhere") })
        guard case .fixedResponse(let status, _, _)? = IngressCustomHeadersAnnotationTests.route(missing)?.action else { Issue.record("not closed"); return }
        #expect(status == 503)
        // A field the auth request sets itself, or a variable Apus does not know: closed
        // too (dropping the path would let a shorter one without auth answer it).
        for (data, why) in [("{ X-Original-URL: x }", "X-Original-URL is written by the auth request itself"),
                            (#"{ X-Request-Start: "t=${msec}" }"#, "msec")] {
            let clash = try F.translate([
                F.ourClass, IngressCustomHeadersAnnotationTests.configMap("clash", data: data),
                F.ingress("shop", annotations: ["nginx.ingress.kubernetes.io/auth-url": "http://auth.test/verify", "nginx.ingress.kubernetes.io/auth-proxy-set-headers": "clash"]),
            ] + F.web)
            #expect(clash.diagnostics.contains { $0.code == "auth-proxy-set-headers-unavailable" && $0.message.contains(why) }, "\(clash.diagnostics)")
            guard case .fixedResponse(let status, _, _)? = IngressCustomHeadersAnnotationTests.route(clash)?.action else { Issue.record("not closed"); continue }
            #expect(status == 503)
        }
    }
}
