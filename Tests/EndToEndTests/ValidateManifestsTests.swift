import Foundation
import Testing

/// `apus validate` on Kubernetes manifests: per object, at its document's file:line, what
/// the controller would serve and what it would drop and why; exit 1 on any error.
@Suite struct ValidateManifestsTests {
    static let samples = "/work/shared/kubernetes/samples"

    static let manifest = """
    apiVersion: networking.k8s.io/v1
    kind: IngressClass
    metadata: { name: apus }
    spec: { controller: apus.dev/ingress-controller }
    ---
    apiVersion: v1
    kind: Service
    metadata: { name: web, namespace: demo }
    spec: { ports: [ { name: http, port: 80 } ] }
    ---
    apiVersion: discovery.k8s.io/v1
    kind: EndpointSlice
    metadata: { name: web-1, namespace: demo, labels: { kubernetes.io/service-name: web } }
    addressType: IPv4
    ports: [ { name: http, port: 8080 } ]
    endpoints: [ { addresses: [10.1.0.7], conditions: { ready: true } } ]
    ---
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: { name: old, namespace: demo, creationTimestamp: "2026-01-01T00:00:00Z" }
    spec:
      ingressClassName: apus
      rules: [ { host: app.test, http: { paths: [ { path: /, pathType: Prefix, backend: { service: { name: web, port: { name: http } } } } ] } } ]
    ---
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: { name: new, namespace: demo, creationTimestamp: "2026-02-01T00:00:00Z" }
    spec:
      ingressClassName: apus
      rules: [ { host: app.test, http: { paths: [ { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } } ] } } ]
    ---
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: rewrite
      namespace: demo
      annotations: { nginx.ingress.kubernetes.io/rewrite-target: /$2, nginx.ingress.kubernetes.io/proxy-body-size: 8m }
    spec:
      ingressClassName: apus
      rules: [ { host: r.test, http: { paths: [ { path: "/api(/|$)(.*)", pathType: ImplementationSpecific, backend: { service: { name: web, port: { number: 80 } } } }, { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } } ] } } ]
    ---
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: refused
      namespace: demo
      annotations: { nginx.ingress.kubernetes.io/backend-protocol: FCGI }
    spec:
      ingressClassName: apus
      rules: [ { host: g.test, http: { paths: [ { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } } ] } } ]
    """

    /// Served paths are listed per Ingress; the conflict loser and the refused Ingress are errors
    /// at their documents' lines, with kind namespace/name in the message; exit 1.
    @Test(.timeLimit(.endToEnd(3))) func reportsPerObject() async throws {
        try await withScenario { s in
            let path = try s.dir.write("ingress.yaml", Self.manifest)
            let run = try await ApusProcess.runToCompletion(["validate", path], in: s.dir)
            #expect(run.exit == .code(1), "stdout: \(run.stdout) stderr: \(run.stderr)")
            let lines = run.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains("\(path):18:1: info: Ingress demo/old: serves app.test / (Prefix) -> demo/web:80"), "\(run.stdout)")
            #expect(lines.contains { $0.hasPrefix("\(path):25:1: error: Ingress demo/new: Prefix path '/' on host 'app.test' is already served by Ingress demo/old") }, "\(run.stdout)")
            // rewrite-target: the regex path is rewritten; the Prefix path "/" has no groups for $2 and is dropped.
            #expect(lines.contains("\(path):32:1: info: Ingress demo/rewrite: serves r.test /api(/|$)(.*) (Regex, nginx) -> demo/web:80, rewritten to /$2, bodies up to 8388608 bytes"), "\(run.stdout)")
            #expect(lines.contains { $0.hasPrefix("\(path):32:1: error: Ingress demo/rewrite: spec.rules[0].http.paths[1] (Regex '/'): rewrite '/$2' refers to $2, but the regex has 0 capture group(s); the path is dropped") }, "\(run.stdout)")
            #expect(lines.contains { $0.hasPrefix("\(path):42:1: error: Ingress demo/refused: annotation nginx.ingress.kubernetes.io/backend-protocol: backend protocol FCGI is not supported") }, "\(run.stdout)")
            #expect(!lines.contains { $0.contains("g.test") }, "a refused Ingress serves nothing:\n\(run.stdout)")
        }
    }

    /// The captured API answers (JSON lists) validate together: the sample Ingress is served, its
    /// FQDN-only endpoints are reported, and the TLS Secret loads; warnings only, exit 0.
    @Test(.timeLimit(.endToEnd(3))) func capturedSamples() async throws {
        try await withScenario { s in
            let files = ["list-ingresses.json", "list-ingressclasses.json", "list-services-demo.json", "list-endpointslices.json", "get-secret-demo-tls.json"]
            let run = try await ApusProcess.runToCompletion(["validate"] + files.map { "\(Self.samples)/\($0)" }, in: s.dir)
            #expect(run.exit == .code(0), "stdout: \(run.stdout) stderr: \(run.stderr)")
            #expect(run.stdout.contains("info: Ingress demo/web: serves demo.test /api (Prefix) -> demo/web:80"))
            #expect(run.stdout.contains("addressType FQDN"))
            #expect(!run.stdout.contains("tls-secret") && !run.stdout.contains("Secret demo/demo-tls"), "\(run.stdout)")
        }
    }

    /// --ingress-class chooses the class served: with another class nothing is ours, yet
    /// every Ingress is still checked as the controller would check it, after a note naming
    /// its class, so the refused one still fails validation.
    @Test(.timeLimit(.endToEnd(3))) func ingressClassFlag() async throws {
        try await withScenario { s in
            let path = try s.dir.write("ingress.yaml", Self.manifest)
            let run = try await ApusProcess.runToCompletion(["validate", "--ingress-class", "other", path], in: s.dir)
            #expect(run.exit == .code(1), "stdout: \(run.stdout)")
            #expect(!run.stdout.contains(": info: "), "nothing is served: \(run.stdout)")
            #expect(run.stdout.contains("\(path):18:1: warning: Ingress demo/old: is of class apus, not other: the controller serves it with --ingress-class apus; checked below as if it were ours"), "\(run.stdout)")
            #expect(run.stdout.contains("\(path):42:1: error: Ingress demo/refused: annotation nginx.ingress.kubernetes.io/backend-protocol"), "\(run.stdout)")
        }
    }

    /// ingress-nginx's Ingresses (class nginx, or none) are checked in full with a note on
    /// their class, instead of passing silently; a v1beta1 Ingress gets a clear message.
    @Test(.timeLimit(.endToEnd(3))) func otherClassesAreCheckedInFull() async throws {
        try await withScenario { s in
            let text = """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: shop
              namespace: demo
              annotations: { nginx.ingress.kubernetes.io/mirror-target: "https://mirror.test$request_uri" }
            spec:
              ingressClassName: nginx
              rules: [ { host: shop.test, http: { paths: [ { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } } ] } } ]
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: { name: plain, namespace: demo }
            spec:
              rules: [ { host: plain.test, http: { paths: [ { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } } ] } } ]
            ---
            apiVersion: networking.k8s.io/v1beta1
            kind: Ingress
            metadata: { name: old, namespace: demo }
            spec:
              rules: [ { host: old.test, http: { paths: [ { path: /, backend: { serviceName: web, servicePort: 80 } } ] } } ]
            """
            let path = try s.dir.write("nginx.yaml", text)
            let run = try await ApusProcess.runToCompletion(["validate", path], in: s.dir)
            #expect(run.exit == .code(1), "stdout: \(run.stdout)")
            let lines = run.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.hasPrefix("\(path):1:1: warning: Ingress demo/shop: is of class nginx (ingress-nginx's)") }, "\(run.stdout)")
            #expect(lines.contains("\(path):1:1: error: Ingress demo/shop: annotation nginx.ingress.kubernetes.io/mirror-target: not implemented yet (see docs/ingress-nginx-compatibility.md); the Ingress is not served"), "\(run.stdout)")
            #expect(lines.contains { $0.hasPrefix("\(path):11:1: warning: Ingress demo/plain: has no class") }, "\(run.stdout)")
            #expect(lines.contains { $0.hasPrefix("\(path):17:1: error: Ingress demo/old: apiVersion: 'networking.k8s.io/v1beta1' was removed in Kubernetes 1.22") }, "\(run.stdout)")
        }
    }

    /// A malformed object is an error at its document's line naming the field.
    @Test(.timeLimit(.endToEnd(3))) func malformedObject() async throws {
        try await withScenario { s in
            let text = "apiVersion: v1\nkind: Service\nmetadata: { name: a, namespace: demo }\nspec: {}\n---\napiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: demo }\nspec: { ports: [ { port: http } ] }\n"
            let path = try s.dir.write("bad.yaml", text)
            let run = try await ApusProcess.runToCompletion(["validate", path], in: s.dir)
            #expect(run.exit == .code(1))
            #expect(run.stdout.contains("\(path):6:1: error: Service demo/web: spec.ports[0].port: expected an integer, found 'http'"), "\(run.stdout)")
        }
    }
}
