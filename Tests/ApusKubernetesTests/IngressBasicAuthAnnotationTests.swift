import ApusCore
import ApusKubernetes
import Testing

/// Basic-auth annotations in both dialects, with users from Opaque Secrets in both
/// ingress-nginx forms; what is refused, and what answers 503 until its Secret is right.
@Suite struct IngressBasicAuthAnnotationTests {
    typealias F = KubeFixture
    static let alice = "alice:$apr1$rP8Xc0Ue$fwBJI2YnUtEnPOMUNnua1."

    /// An Opaque Secret in `demo`, its values given as plain text (`stringData`).
    static func secret(_ name: String, _ data: [String: String], type: String = "Opaque") -> String {
        let fields = data.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ")
        return """
        apiVersion: v1
        kind: Secret
        metadata: { name: \(name), namespace: demo }
        type: \(type)
        stringData: { \(fields) }
        """
    }

    static func auth(_ annotations: [String: String], _ extra: [String] = []) throws -> (CompiledBasicAuth?, IngressTranslation) {
        let translation = try F.translate([F.ourClass, F.ingress("auth", annotations: annotations)] + F.web + extra)
        let route = IngressRequestAnnotationTests.compiledRoute(translation, host: "app.test", path: "/")
        return (route?.basicAuth, translation)
    }

    static func admits(_ auth: CompiledBasicAuth?, _ user: String, _ password: String) -> Bool {
        guard let hash = auth?.users[user] else { return false }
        return Array(password.utf8).withUnsafeBytes { hash.verifies($0) }
    }

    @Test func nginxAuthFileAndAuthMap() throws {
        let (file, translation) = try Self.auth([
            "nginx.ingress.kubernetes.io/auth-type": "basic",
            "nginx.ingress.kubernetes.io/auth-secret": "basic-auth",
            "nginx.ingress.kubernetes.io/auth-realm": "Authentication Required - foo",
        ], [Self.secret("basic-auth", ["auth": Self.alice])])
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        #expect(file?.challenge == #"Basic realm="Authentication Required - foo""#)
        #expect(Self.admits(file, "alice", "secret1") && !Self.admits(file, "alice", "nope"))
        #expect(file?.unavailable == false)

        let (map, _) = try Self.auth([
            "nginx.ingress.kubernetes.io/auth-type": "basic",
            "nginx.ingress.kubernetes.io/auth-secret": "demo/users",
            "nginx.ingress.kubernetes.io/auth-secret-type": "auth-map",
        ], [Self.secret("users", ["alice": "$apr1$rP8Xc0Ue$fwBJI2YnUtEnPOMUNnua1.", "bob": "{SHA}NSIKr+5ZMMKFCatHd+QmGlIwagA="])])
        #expect(Self.admits(map, "alice", "secret1") && Self.admits(map, "bob", "secret6"))
        #expect(map?.challenge == #"Basic realm="""#)
    }

    @Test func apusNames() throws {
        let (auth, translation) = try Self.auth([
            "apus.dev/basic-auth-secret": "basic-auth", "apus.dev/basic-auth-realm": "Staff",
        ], [Self.secret("basic-auth", ["auth": Self.alice])])
        #expect(!translation.diagnostics.contains { $0.severity == .error }, "\(translation.diagnostics)")
        #expect(Self.admits(auth, "alice", "secret1"))
        #expect(auth?.challenge == #"Basic realm="Staff""#)
        let (none, _) = try Self.auth([:])
        #expect(none == nil)
    }

    /// Never served open: a Secret that is missing, elsewhere, of another type or without
    /// `auth` makes the paths answer 503 (ingress-nginx's denied location) and says why.
    @Test func aMissingOrWrongSecretAnswers503() throws {
        let annotations = ["nginx.ingress.kubernetes.io/auth-type": "basic", "nginx.ingress.kubernetes.io/auth-secret": "basic-auth"]
        let cases: [([String], String)] = [
            ([], "does not exist"),
            ([Self.secret("basic-auth", ["users": Self.alice])], "has no key 'auth'"),
            ([Self.secret("basic-auth", ["tls.crt": "x", "tls.key": "y"], type: "kubernetes.io/tls")], "does not exist"),
        ]
        for (extra, why) in cases {
            let (auth, translation) = try Self.auth(annotations, extra)
            #expect(auth?.unavailable == true, "\(why)")
            #expect(translation.diagnostics.contains { $0.code == "basic-auth-unavailable" && $0.message.contains(why) }, "\(translation.diagnostics)")
        }
        let (elsewhere, translation) = try Self.auth(["apus.dev/basic-auth-secret": "other/basic-auth"])
        #expect(elsewhere?.unavailable == true)
        #expect(translation.diagnostics.contains { $0.message.contains("in another namespace") })
    }

    /// Where ingress-nginx would serve the paths without authentication (a piece missing),
    /// Apus refuses the Ingress.
    @Test func incompleteOrUnsupportedAnnotationsRefuseTheIngress() throws {
        let cases: [([String: String], String)] = [
            (["nginx.ingress.kubernetes.io/auth-secret": "basic-auth"], "needs nginx.ingress.kubernetes.io/auth-type: basic"),
            (["nginx.ingress.kubernetes.io/auth-type": "basic"], "names no users"),
            (["nginx.ingress.kubernetes.io/auth-type": "digest", "nginx.ingress.kubernetes.io/auth-secret": "s"], "digest authentication is not supported"),
            (["nginx.ingress.kubernetes.io/auth-type": "basic", "nginx.ingress.kubernetes.io/auth-secret": "s",
              "nginx.ingress.kubernetes.io/auth-secret-type": "auth-json"], "'auth-json' is not auth-file or auth-map"),
            (["apus.dev/basic-auth-secret": "Bad_Name"], "is not a Secret name"),
            (["apus.dev/auth-type": "basic"], "is not an annotation Apus knows"),
        ]
        for (annotations, why) in cases {
            let (_, translation) = try Self.auth(annotations)
            #expect(translation.reports.first?.accepted == false, "\(annotations)")
            #expect(translation.diagnostics.contains { $0.severity == .error && $0.message.contains(why) }, "\(why): \(translation.diagnostics)")
        }
    }
}
