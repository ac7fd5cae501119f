import ApusCore
import ApusNet

/// What `apus migrate --kubeconfig` reads from a cluster, as manifest text like
/// `kubectl get -o yaml` gives: IngressClasses and Ingresses (written out again by
/// `--write`), the ingress-nginx ConfigMap, and the Secrets and ConfigMaps the Ingresses'
/// annotations name (translated to judge basic auth, client certificates and headers;
/// never printed or written).
public struct ClusterManifests: Sendable {
    /// `(name, text)`: `ingressclasses.yaml`, `ingresses.yaml` and the ConfigMap's file.
    public var written: [(path: String, text: String)] = []
    /// The objects annotations name, for the translation only.
    public var readOnly: [(path: String, text: String)] = []

    /// Fields of a live object that only describe its state in that cluster.
    private static let stateFields = ["managedFields", "resourceVersion", "uid", "generation", "selfLink"]
    /// Annotations (either prefix) that name a Secret, and those that name a ConfigMap.
    private static let secretAnnotations = ["auth-secret", "basic-auth-secret", "auth-tls-secret"]
    private static let configMapAnnotations = ["custom-headers", "auth-proxy-set-headers"]

    /// Lists IngressClasses and Ingresses (all namespaces, or `namespace`) page by page,
    /// gets `configMap`, and gets each object the Ingresses' annotations name.
    public static func fetch(_ client: KubernetesClient, namespace: String?, configMap: ObjectKey) throws(KubernetesError) -> ClusterManifests {
        var manifests = ClusterManifests()
        manifests.written.append(("ingressclasses.yaml", try items(client, .ingressClass, namespace: nil).map(\.blockYAML).joined(separator: "---\n")))
        let ingresses = try items(client, .ingress, namespace: namespace)
        manifests.written.append(("ingresses.yaml", ingresses.map(\.blockYAML).joined(separator: "---\n")))
        if let object = try object(client, .configMaps, configMap, kind: "ConfigMap") {
            manifests.written.append(("configmap.yaml", object.blockYAML))
        }
        var named: [(APIResource, ObjectKey, String)] = []
        for ingress in ingresses {
            let ingressNamespace = ingress["metadata"]?["namespace"]?.text ?? "default"
            guard case .map(let annotations)? = ingress["metadata"]?["annotations"] else { continue }
            for (key, value) in annotations {
                guard let text = value.text, let feature = [IngressAnnotations.apusPrefix, IngressAnnotations.nginxPrefix]
                    .first(where: key.hasPrefix).map({ String(key.dropFirst($0.count)) }) else { continue }
                let parts = text.trimmingSpaces.split(separator: "/")
                guard (1...2).contains(parts.count) else { continue }
                let reference = ObjectKey(namespace: parts.count == 2 ? String(parts[0]) : ingressNamespace, name: String(parts.last!))
                if secretAnnotations.contains(feature) { named.append((.secrets, reference, "Secret")) }
                if configMapAnnotations.contains(feature) { named.append((.configMaps, reference, "ConfigMap")) }
            }
        }
        var seen = Set<String>()
        for (resource, key, kind) in named where seen.insert("\(kind) \(key)").inserted {
            if let object = try object(client, resource, key, kind: kind) { manifests.readOnly.append(("\(kind) \(key)", object.blockYAML)) }
        }
        return manifests
    }

    /// Every object of `kind`, with its kind and apiVersion (list items carry neither),
    /// without its state.
    private static func items(_ client: KubernetesClient, _ kind: ResourceKind, namespace: String?) throws(KubernetesError) -> [ObjectTree] {
        var objects: [ObjectTree] = []
        var continueToken: String?
        repeat {
            var query = [("limit", "500")]
            if let continueToken { query.append(("continue", continueToken)) }
            let path = kind.path(namespace: namespace, query: query)
            let response = try client.send("GET", path)
            guard response.isSuccess else {
                throw StatusAnswer.error(status: response.status, body: response.body, method: "GET", path: path, server: client.config.server)
            }
            let list = try tree(response.body, path: path, server: client.config.server)
            if case .list(let items)? = list["items"] {
                for case .map(var fields) in items {
                    fields["apiVersion"] = .scalar(kind.apiResource.groupVersion, isString: true)
                    fields["kind"] = .scalar(kind.objectKind, isString: true)
                    objects.append(withoutState(.map(fields)))
                }
            }
            continueToken = list["metadata"]?["continue"]?.text.flatMap { $0.isEmpty ? nil : $0 }
        } while continueToken != nil
        return objects
    }

    /// One object, without its state; nil when it does not exist.
    private static func object(_ client: KubernetesClient, _ resource: APIResource, _ key: ObjectKey, kind: String) throws(KubernetesError) -> ObjectTree? {
        let path = resource.objectPath(
            namespace: PercentEncoding.allButUnreserved(key.namespace), name: PercentEncoding.allButUnreserved(key.name))
        let response = try client.send("GET", path)
        if response.status == 404 { return nil }
        guard response.isSuccess else {
            throw StatusAnswer.error(status: response.status, body: response.body, method: "GET", path: path, server: client.config.server)
        }
        guard case .map(var fields) = try tree(response.body, path: path, server: client.config.server) else { return nil }
        fields["apiVersion"] = .scalar(resource.groupVersion, isString: true)
        fields["kind"] = .scalar(kind, isString: true)
        return withoutState(.map(fields))
    }

    private static func tree(_ body: [UInt8], path: String, server: String) throws(KubernetesError) -> ObjectTree {
        do {
            return try ObjectTree.parseJSON(body)
        } catch {
            throw .malformed(server: server, reason: "GET \(path): \(error.problem)")
        }
    }

    /// The object without its status and the metadata of its life in the cluster.
    private static func withoutState(_ object: ObjectTree) -> ObjectTree {
        guard case .map(var fields) = object else { return object }
        fields["status"] = nil
        if case .map(var metadata)? = fields["metadata"] {
            for name in stateFields { metadata[name] = nil }
            fields["metadata"] = .map(metadata)
        }
        return .map(fields)
    }
}
