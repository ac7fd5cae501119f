import ApusCore
import ApusNet

/// What `apus migrate --kubeconfig` reads from a cluster, as manifest text like
/// `kubectl get -o yaml` gives: IngressClasses and Ingresses (written out again by
/// `--write`), the ingress-nginx ConfigMap, and the Opaque and TLS Secrets and the
/// ConfigMaps that annotations name (translated to judge basic auth, client certificates
/// and custom headers; never printed or written).
public struct ClusterManifests: Sendable {
    /// `(name, text)`: `ingressclasses.yaml`, `ingresses.yaml` and the ConfigMap's file.
    public var written: [(path: String, text: String)] = []
    /// Secrets, for the translation only.
    public var readOnly: [(path: String, text: String)] = []

    /// Fields of a live object that only describe its state in that cluster.
    private static let stateFields = ["managedFields", "resourceVersion", "uid", "generation", "selfLink"]

    /// Lists each kind (all namespaces, or `namespace`) page by page, and gets `configMap`.
    public static func fetch(_ client: KubernetesClient, namespace: String?, configMap: ObjectKey) throws(KubernetesError) -> ClusterManifests {
        var manifests = ClusterManifests()
        manifests.written.append(("ingressclasses.yaml", try documents(client, .ingressClass, namespace: nil)))
        manifests.written.append(("ingresses.yaml", try documents(client, .ingress, namespace: namespace)))
        manifests.readOnly.append(("secrets (Opaque)", try documents(client, .opaqueSecret, namespace: namespace)))
        manifests.readOnly.append(("secrets (TLS)", try documents(client, .secret, namespace: namespace)))
        manifests.readOnly.append(("configmaps", try documents(client, .configMap, namespace: namespace)))
        let path = APIResource.configMaps.objectPath(
            namespace: PercentEncoding.allButUnreserved(configMap.namespace), name: PercentEncoding.allButUnreserved(configMap.name))
        let response = try client.send("GET", path)
        if response.isSuccess, case .map(var fields) = try tree(response.body, path: path, server: client.config.server) {
            fields["apiVersion"] = .scalar("v1", isString: true)
            fields["kind"] = .scalar("ConfigMap", isString: true)
            manifests.written.append(("configmap.yaml", Self.withoutState(.map(fields)).blockYAML))
        } else if response.status != 404 {
            throw StatusAnswer.error(status: response.status, body: response.body, method: "GET", path: path, server: client.config.server)
        }
        return manifests
    }

    /// Every object of `kind`, each a YAML document with its kind and apiVersion (list
    /// items carry neither).
    private static func documents(_ client: KubernetesClient, _ kind: ResourceKind, namespace: String?) throws(KubernetesError) -> String {
        var texts: [String] = []
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
                    texts.append(withoutState(.map(fields)).blockYAML)
                }
            }
            continueToken = list["metadata"]?["continue"]?.text.flatMap { $0.isEmpty ? nil : $0 }
        } while continueToken != nil
        return texts.joined(separator: "---\n")
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
