import ApusKubernetes
import Foundation
import Testing

/// Decoding API JSON (the captured samples) and YAML manifests into the slim models.
@Suite struct ObjectDecoderTests {
    static func sample(_ name: String) throws -> ObjectTree {
        try ObjectTree.parseJSON(Array(try Data(contentsOf: URL(fileURLWithPath: "\(KubeFixture.samples)/\(name)"))))
    }

    /// The captured Ingress list decodes with its class, TLS, rules, paths and creation time.
    @Test func ingressListSample() throws {
        let (items, version) = try ObjectDecoder.decodeList(try Self.sample("list-ingresses.json"))
        #expect(version == "219")
        guard case .ingress(let ingress)? = items.first else { Issue.record("not an Ingress: \(items)"); return }
        #expect(ingress.metadata.name == "web" && ingress.metadata.namespace == "demo")
        #expect(ingress.metadata.resourceVersion == "215" && ingress.metadata.generation == 1)
        #expect(ingress.metadata.creationTimestamp == 1_795_313_635)  // 2026-11-22T02:13:55Z
        #expect(ingress.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"] == nil)
        #expect(ingress.ingressClassName == "apus")
        #expect(ingress.tls == [IngressTLS(hosts: ["demo.test"], secretName: "demo-tls")])
        #expect(ingress.rules == [IngressRule(host: "demo.test", paths: [
            IngressPath(path: "/api", pathType: .prefix, backend: .service(name: "web", port: .name("http"))),
            IngressPath(path: "/exact", pathType: .exact, backend: .service(name: "web", port: .name("http"))),
        ])])
    }

    /// Service, EndpointSlice, IngressClass and Secret samples keep the fields the translation reads.
    @Test func otherSamples() throws {
        let (services, _) = try ObjectDecoder.decodeList(try Self.sample("list-services-demo.json"))
        #expect(services == [.service(Service(
            metadata: ObjectMeta(name: "web", namespace: "demo", uid: "381daae4-18d1-481d-89f1-15d7cc056ea0", resourceVersion: "213", creationTimestamp: 1_795_313_635),
            type: "ClusterIP", ports: [ServicePort(name: "http", port: 80, targetPort: .number(8080))], clusterIP: "10.96.221.133"))])
        let (slices, _) = try ObjectDecoder.decodeList(try Self.sample("list-endpointslices.json"))
        guard case .endpointSlice(let slice)? = slices.first else { Issue.record("\(slices)"); return }
        #expect(slice.serviceName == "web" && slice.addressType == "FQDN")
        #expect(slice.ports == [EndpointPort(name: "http", port: 8080, protocol: "TCP")])
        #expect(slice.endpoints.first == Endpoint(addresses: ["localhost.localdomain"], ready: true, serving: true, terminating: false))
        let (classes, _) = try ObjectDecoder.decodeList(try Self.sample("list-ingressclasses.json"))
        guard case .ingressClass(let ingressClass)? = classes.first else { Issue.record("\(classes)"); return }
        #expect(ingressClass.controller == "apus.dev/ingress-controller" && !ingressClass.isDefault)
        guard case .secret(let secret) = try ObjectDecoder.decode(try Self.sample("get-secret-demo-tls.json")) else { Issue.record("not a Secret"); return }
        #expect(secret.type == "kubernetes.io/tls")
        #expect(secret.certificatePEM?.hasPrefix("-----BEGIN CERTIFICATE-----") == true)
        #expect(secret.keyPEM?.contains("PRIVATE KEY-----") == true)
    }

    /// The same object written as YAML and as JSON decodes to equal values.
    @Test func yamlAndJSONAgree() throws {
        let yaml = KubeFixture.slice("s", service: "web", endpoints: [("10.0.0.1", true, true, false), ("fd00::1", false, true, true)], addressType: "IPv6")
        let (entries, diagnostics) = ManifestReader.read(yaml, path: "x.yaml")
        #expect(diagnostics.isEmpty)
        let json = #"""
        {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"s","namespace":"demo","labels":{"kubernetes.io/service-name":"web"}},
         "addressType":"IPv6","ports":[{"name":"http","port":8080,"protocol":"TCP"}],
         "endpoints":[{"addresses":["10.0.0.1"],"conditions":{"ready":true,"serving":true,"terminating":false}},
                      {"addresses":["fd00::1"],"conditions":{"ready":false,"serving":true,"terminating":true}}]}
        """#
        let fromJSON = try ObjectDecoder.decode(try ObjectTree.parseJSON(Array(json.utf8)))
        #expect(entries.map(\.object) == [fromJSON])
    }

    /// A watch bookmark's `endpoints: null` reads as no endpoints.
    @Test func nullsReadAsAbsent() throws {
        let json = #"{"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","metadata":{"name":"b","resourceVersion":"228"},"addressType":"","endpoints":null,"ports":null}"#
        guard case .endpointSlice(let slice) = try ObjectDecoder.decode(try ObjectTree.parseJSON(Array(json.utf8))) else { Issue.record(); return }
        #expect(slice.endpoints.isEmpty && slice.ports.isEmpty && slice.metadata.namespace == "default")
    }

    struct BadCase: Sendable, CustomStringConvertible {
        var yaml: String
        var message: String
        var description: String { message }
    }

    static let badCases: [BadCase] = [
        BadCase(yaml: KubeFixture.ingress("web").replacingOccurrences(of: "pathType: Prefix", with: "pathType: Glob"),
                message: "Ingress demo/web: spec.rules[0].http.paths[0].pathType: 'Glob' is not Exact, Prefix or ImplementationSpecific"),
        BadCase(yaml: KubeFixture.service("web", ports: "[{ name: http, port: eighty }]"),
                message: "Service demo/web: spec.ports[0].port: expected an integer, found 'eighty'"),
        BadCase(yaml: KubeFixture.slice("s", service: "web", endpoints: []).replacingOccurrences(of: "endpoints: []", with: "endpoints: [{ addresses: [1.2.3.4], conditions: { ready: maybe } }]"),
                message: "EndpointSlice demo/s: endpoints[0].conditions.ready: expected true or false, found 'maybe'"),
        BadCase(yaml: "apiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata: { name: old, namespace: demo }",
                message: "Ingress demo/old: apiVersion: 'networking.k8s.io/v1beta1' was removed in Kubernetes 1.22; write networking.k8s.io/v1 (pathType becomes required; serviceName and servicePort become service.name and service.port.number or .name)"),
        BadCase(yaml: "apiVersion: v1\nkind: Service\nmetadata: { namespace: demo }",
                message: "Service demo/: metadata.name: is required"),
        BadCase(yaml: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: w, namespace: demo }\nspec: { rules: [ { http: { paths: [ { path: /, pathType: Prefix, backend: { service: { name: web } } } ] } } ] }",
                message: "Ingress demo/w: spec.rules[0].http.paths[0].backend.service.port: is required"),
    ]

    /// A malformed object is reported with its kind, namespace/name and the field at fault, at its document's line.
    @Test(arguments: badCases) func errorsNameObjectAndField(_ c: BadCase) {
        let (entries, diagnostics) = ManifestReader.read("---\n# leading comment\n" + c.yaml, path: "bad.yaml")
        #expect(entries.isEmpty)
        #expect(diagnostics.map(\.message) == [c.message])
        #expect(diagnostics.first?.location == .file(path: "bad.yaml", line: 3, column: 1))
    }

    /// Kinds the controller does not follow are skipped; each document keeps its own line.
    @Test func multiDocumentLines() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\n---\n" + KubeFixture.service("web") + "\n---\n" + KubeFixture.ourClass + "\n---\n"
        let (entries, diagnostics) = ManifestReader.read(text, path: "m.yaml")
        #expect(diagnostics.isEmpty)
        #expect(entries.map(\.line) == [5, 10])
        #expect(entries.map(\.object.reference.description) == ["Service demo/web", "IngressClass apus"])
    }

    /// Timestamps in RFC 3339 with offsets and fractions compare as instants.
    @Test func timestamps() throws {
        func created(_ text: String) throws -> Int64? {
            let (entries, _) = ManifestReader.read("apiVersion: v1\nkind: Service\nmetadata: { name: a, creationTimestamp: \"\(text)\" }", path: "t")
            guard case .service(let service)? = entries.first?.object else { return nil }
            return service.metadata.creationTimestamp
        }
        #expect(try created("1970-01-01T00:00:00Z") == 0)
        #expect(try created("2000-03-01T00:00:00Z") == 951_868_800)
        #expect(try created("2026-11-22T03:13:55.5+01:00") == 1_795_313_635)
        let (_, diagnostics) = ManifestReader.read("apiVersion: v1\nkind: Service\nmetadata: { name: a, creationTimestamp: yesterday }", path: "t")
        #expect(diagnostics.first?.message.contains("creationTimestamp") == true)
    }
}
