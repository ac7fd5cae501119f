import ApusCore
import ApusKubernetes
import Testing

/// Short YAML manifests for translation tables: one line per object, decoded through the
/// same `ManifestReader` path as `apus validate`.
enum KubeFixture {
    static let samples = "/work/shared/kubernetes/samples"

    static let ourClass = """
    apiVersion: networking.k8s.io/v1
    kind: IngressClass
    metadata: { name: apus }
    spec: { controller: apus.dev/ingress-controller }
    """

    /// An Ingress with one rule; `paths` are `(path, pathType, service, port)`.
    static func ingress(
        _ name: String, namespace: String = "demo", created: String? = "2026-01-01T00:00:00Z", className: String? = "apus",
        host: String? = "app.test", paths: [(String, String, String, String)] = [("/", "Prefix", "web", "80")],
        annotations: [String: String] = [:], extraSpec: String = ""
    ) -> String {
        let annotationText = annotations.isEmpty ? "" : ", annotations: {" + annotations.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ") + "}"
        let pathText = paths.map { path, type, service, port in
            let portField = Int(port) != nil ? "number: \(port)" : "name: \(port)"
            return "{ path: \"\(path)\", pathType: \(type), backend: { service: { name: \(service), port: { \(portField) } } } }"
        }.joined(separator: ", ")
        return """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: \(name), namespace: \(namespace)\(created.map { ", creationTimestamp: \"\($0)\"" } ?? "")\(annotationText) }
        spec:
          \(className.map { "ingressClassName: \($0)" } ?? "")
          rules: [ { \(host.map { "host: \"\($0)\", " } ?? "")http: { paths: [ \(pathText) ] } } ]
        \(extraSpec)
        """
    }

    static func service(_ name: String, namespace: String = "demo", ports: String = "[{ name: http, port: 80, targetPort: 8080 }]", extra: String = "") -> String {
        """
        apiVersion: v1
        kind: Service
        metadata: { name: \(name), namespace: \(namespace) }
        spec: { ports: \(ports)\(extra) }
        """
    }

    /// A slice of `service` whose endpoints are `(ip, ready, serving, terminating)`.
    static func slice(_ name: String, service: String, namespace: String = "demo", portName: String? = "http", port: Int = 8080,
                      endpoints: [(String, Bool, Bool, Bool)], addressType: String = "IPv4") -> String {
        let endpointText = endpoints.map { "{ addresses: [\"\($0.0)\"], conditions: { ready: \($0.1), serving: \($0.2), terminating: \($0.3) } }" }.joined(separator: ", ")
        return """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: \(name), namespace: \(namespace), labels: { kubernetes.io/service-name: \(service) } }
        addressType: \(addressType)
        ports: [{ \(portName.map { "name: \($0), " } ?? "")port: \(port), protocol: TCP }]
        endpoints: [\(endpointText)]
        """
    }

    /// The usual backend: Service demo/web port http 80 with two ready pods.
    static let web = [
        service("web"),
        slice("web-1", service: "web", endpoints: [("10.0.0.1", true, true, false), ("10.0.0.2", true, true, false)]),
    ]

    static func snapshot(_ documents: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> ClusterSnapshot {
        let (entries, diagnostics) = ManifestReader.read(documents.joined(separator: "\n---\n"), path: "test.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)", sourceLocation: sourceLocation)
        return ClusterSnapshot(objects: entries.map(\.object))
    }

    static func translate(_ documents: [String], options: IngressTranslationOptions = IngressTranslationOptions(), base: Configuration = Configuration()) throws -> IngressTranslation {
        IngressTranslator.translate(snapshot: try snapshot(documents), options: options, base: base)
    }

    static func codes(_ translation: IngressTranslation) -> [String] {
        translation.diagnostics.map(\.code)
    }
}

extension IngressTranslation {
    /// The upstream a request would reach after compiling, or nil for 404; `-` for a
    /// non-proxy action.
    func upstream(host: String, path: String) -> String? {
        let (table, _) = RouteTableCompiler.compile(configuration)
        var host = host
        var path = path
        let index = host.withUTF8 { h in path.withUTF8 { p in
            table.match(host: UnsafeRawBufferPointer(h), path: UnsafeRawBufferPointer(p), scratch: MatchScratch())
        } }
        guard index >= 0 else { return nil }
        if case .proxy(let upstream) = table.routes[index].action { return table.upstreams[upstream].name }
        return "-"
    }

    func endpoints(of upstream: String) -> [String]? {
        configuration.upstreams.first { $0.name == upstream }?.endpoints.map(\.address)
    }
}
