import Foundation

/// Reads `ObjectTree`s (from JSON or YAML) into the slim object models.
///
/// The same function serves API responses, watch events and manifests. Unknown fields are
/// ignored (the API adds fields over time); fields the translation reads must have the
/// right shape, and an error names the object and the field.
public enum ObjectDecoder {
    /// API groups and versions read per kind; other versions are refused with a message.
    static let apiVersions: [String: String] = [
        "IngressClass": "networking.k8s.io/v1",
        "Ingress": "networking.k8s.io/v1",
        "Service": "v1",
        "EndpointSlice": "discovery.k8s.io/v1",
        "Secret": "v1",
        "ConfigMap": "v1",
    ]

    /// Whether a document looks like a Kubernetes object (both `apiVersion` and `kind` at
    /// the top), as opposed to an Apus configuration file.
    public static func looksLikeObject(_ tree: ObjectTree) -> Bool {
        guard case .scalar? = tree["apiVersion"], case .scalar? = tree["kind"] else { return false }
        return true
    }

    /// Decodes one object whose `kind` is in the document. `kindHint` supplies the kind
    /// for list items, which the API sends without `kind` and `apiVersion`.
    public static func decode(_ tree: ObjectTree, kindHint: String? = nil) throws(ObjectDecodingError) -> KubernetesObject {
        let top = FieldReader(tree)
        _ = try top.requireMap()
        guard let kind = try top.string("kind") ?? kindHint else { throw top.failure("kind", "is required") }
        let metaReader = try top.map("metadata")
        let name = try metaReader?.string("name") ?? ""
        let namespace = try metaReader?.string("namespace") ?? ""
        let reference = ObjectReference(kind: kind, namespace: kind == "IngressClass" ? "" : (namespace.isEmpty ? "default" : namespace), name: name)
        let reader = FieldReader(tree, object: reference)
        guard let expected = apiVersions[kind] else {
            throw reader.failure("kind", "'\(kind)' is not one of IngressClass, Ingress, Service, EndpointSlice, Secret, ConfigMap")
        }
        if let version = try reader.string("apiVersion"), version != expected {
            if version.hasSuffix("/v1beta1") && (kind == "Ingress" || kind == "IngressClass") {
                // Removed in Kubernetes 1.22; manifests from older guides still carry it.
                throw reader.failure("apiVersion", "'\(version)' was removed in Kubernetes 1.22; write \(expected)"
                    + (kind == "Ingress" ? " (pathType becomes required; serviceName and servicePort become service.name and service.port.number or .name)" : ""))
            }
            throw reader.failure("apiVersion", "'\(version)' is not served for \(kind); use \(expected)")
        }
        guard !name.isEmpty else { throw reader.failure("metadata.name", "is required") }
        let keepAnnotations = kind == "Ingress" || kind == "IngressClass"
        let metadata = try self.metadata(reader, reference: reference, keepAnnotations: keepAnnotations)
        switch kind {
        case "IngressClass": return .ingressClass(try ingressClass(reader, metadata))
        case "Ingress": return .ingress(try ingress(reader, metadata))
        case "Service": return .service(try service(reader, metadata))
        case "EndpointSlice": return .endpointSlice(try endpointSlice(reader, metadata))
        case "ConfigMap": return .configMap(ConfigMap(metadata: metadata, data: try reader.stringMap("data")))
        default:
            if try reader.string("type") == OpaqueSecret.type { return .opaqueSecret(try opaqueSecret(reader, metadata)) }
            return .secret(try secret(reader, metadata))
        }
    }

    /// Decodes a `...List` answer: its items (each without kind) and the list's resourceVersion.
    public static func decodeList(_ tree: ObjectTree) throws(ObjectDecodingError) -> (items: [KubernetesObject], resourceVersion: String) {
        let top = FieldReader(tree)
        let listKind = try top.requiredString("kind")
        guard listKind.hasSuffix("List") else { throw top.failure("kind", "'\(listKind)' is not a list") }
        let itemKind = String(listKind.dropLast(4))
        var items: [KubernetesObject] = []
        for item in try top.list("items") {
            items.append(try decode(item.tree, kindHint: itemKind))
        }
        let version = try top.map("metadata")?.string("resourceVersion") ?? ""
        return (items, version)
    }

    private static func metadata(_ reader: FieldReader, reference: ObjectReference, keepAnnotations: Bool) throws(ObjectDecodingError) -> ObjectMeta {
        let meta = try reader.map("metadata")!
        var created: Int64?
        if let text = try meta.string("creationTimestamp") {
            guard let seconds = Timestamp.seconds(text) else { throw meta.failure("creationTimestamp", "'\(text)' is not an RFC 3339 time") }
            created = seconds
        }
        // last-applied-configuration repeats the whole object: never worth its memory.
        let annotations = keepAnnotations
            ? try meta.stringMap("annotations") { $0 != "kubectl.kubernetes.io/last-applied-configuration" } : [:]
        return ObjectMeta(
            name: reference.name, namespace: reference.namespace, uid: try meta.string("uid") ?? "",
            resourceVersion: try meta.string("resourceVersion") ?? "", generation: Int64(try meta.int("generation") ?? 0),
            creationTimestamp: created, annotations: annotations)
    }

    private static func ingressClass(_ reader: FieldReader, _ metadata: ObjectMeta) throws(ObjectDecodingError) -> IngressClass {
        let spec = try reader.map("spec")
        return IngressClass(metadata: metadata, controller: try spec?.string("controller") ?? "")
    }

    private static func service(_ reader: FieldReader, _ metadata: ObjectMeta) throws(ObjectDecodingError) -> Service {
        guard let spec = try reader.map("spec") else { return Service(metadata: metadata) }
        var ports: [ServicePort] = []
        for item in try spec.list("ports") {
            _ = try item.requireMap()
            guard let port = try item.int("port") else { throw item.failure("port", "is required") }
            ports.append(ServicePort(name: try item.string("name"), port: port, targetPort: try item.intOrString("targetPort"),
                                     appProtocol: try item.string("appProtocol")))
        }
        return Service(
            metadata: metadata, type: try spec.string("type") ?? "ClusterIP", ports: ports,
            externalName: try spec.string("externalName"), clusterIP: try spec.string("clusterIP"))
    }

    private static func endpointSlice(_ reader: FieldReader, _ metadata: ObjectMeta) throws(ObjectDecodingError) -> EndpointSlice {
        let labels = try reader.map("metadata")!.stringMap("labels") { $0 == EndpointSlice.serviceNameLabel }
        var ports: [EndpointPort] = []
        for item in try reader.list("ports") {
            _ = try item.requireMap()
            ports.append(EndpointPort(name: try item.string("name"), port: try item.int("port"), protocol: try item.string("protocol") ?? "TCP"))
        }
        var endpoints: [Endpoint] = []
        for item in try reader.list("endpoints") {
            _ = try item.requireMap()
            var addresses: [String] = []
            for address in try item.list("addresses") { addresses.append(try address.scalarText()) }
            let conditions = try item.map("conditions")
            endpoints.append(Endpoint(
                addresses: addresses, ready: try conditions?.bool("ready"), serving: try conditions?.bool("serving"),
                terminating: try conditions?.bool("terminating")))
        }
        return EndpointSlice(
            metadata: metadata, serviceName: labels[EndpointSlice.serviceNameLabel],
            addressType: try reader.string("addressType") ?? "IPv4", ports: ports, endpoints: endpoints)
    }

    /// Every key; a value that is not valid base64 is left out (as an absent key).
    private static func opaqueSecret(_ reader: FieldReader, _ metadata: ObjectMeta) throws(ObjectDecodingError) -> OpaqueSecret {
        var data: [String: [UInt8]] = [:]
        for (key, encoded) in try reader.stringMap("data") {
            if let bytes = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) { data[key] = Array(bytes) }
        }
        for (key, text) in try reader.stringMap("stringData") { data[key] = Array(text.utf8) }
        return OpaqueSecret(metadata: metadata, data: data)
    }

    private static func secret(_ reader: FieldReader, _ metadata: ObjectMeta) throws(ObjectDecodingError) -> TLSSecret {
        let keep: (String) -> Bool = { $0 == "tls.crt" || $0 == "tls.key" || $0 == "ca.crt" }
        let data = try reader.stringMap("data", keeping: keep)
        // stringData is how manifests often carry PEM text; the API server folds it into data.
        let plain = try reader.stringMap("stringData", keeping: keep)
        func pem(_ key: String) -> String? {
            if let text = plain[key] { return text }
            guard let encoded = data[key], let bytes = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
        var secret = TLSSecret(metadata: metadata, type: try reader.string("type") ?? "Opaque", certificatePEM: pem("tls.crt"), keyPEM: pem("tls.key"))
        secret.caPEM = pem("ca.crt")
        return secret
    }
}
