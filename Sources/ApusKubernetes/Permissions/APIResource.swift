/// A kind of object on the API server, as its REST paths and RBAC rules name it.
///
/// The controller builds every request path from one of these, and `ControllerPermissions`
/// lists the verbs used on each, so that the paths, the RBAC manifest
/// (conf/kubernetes/10-rbac.yaml) and the test comparing them cannot drift apart silently.
public struct APIResource: Hashable, Sendable, CustomStringConvertible {
    /// `""` for the core group (`/api/v1`), else `networking.k8s.io` and the like.
    public var group: String
    public var version: String
    /// Plural, lower case: `ingresses`.
    public var plural: String
    public var isNamespaced: Bool

    public init(group: String, version: String, plural: String, isNamespaced: Bool = true) {
        self.group = group
        self.version = version
        self.plural = plural
        self.isNamespaced = isNamespaced
    }

    public static let ingressClasses = APIResource(group: "networking.k8s.io", version: "v1", plural: "ingressclasses", isNamespaced: false)
    public static let ingresses = APIResource(group: "networking.k8s.io", version: "v1", plural: "ingresses")
    public static let services = APIResource(group: "", version: "v1", plural: "services")
    public static let endpointSlices = APIResource(group: "discovery.k8s.io", version: "v1", plural: "endpointslices")
    public static let secrets = APIResource(group: "", version: "v1", plural: "secrets")
    public static let configMaps = APIResource(group: "", version: "v1", plural: "configmaps")
    public static let leases = APIResource(group: "coordination.k8s.io", version: "v1", plural: "leases")

    /// An object's `apiVersion`: `v1`, `networking.k8s.io/v1`.
    public var groupVersion: String {
        group.isEmpty ? version : "\(group)/\(version)"
    }

    /// `/api/v1` or `/apis/GROUP/VERSION`.
    public var groupVersionPath: String {
        group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
    }

    /// The collection: every namespace when `namespace` is nil (or the kind is cluster-wide).
    public func collectionPath(namespace: String? = nil) -> String {
        if isNamespaced, let namespace { return "\(groupVersionPath)/namespaces/\(namespace)/\(plural)" }
        return "\(groupVersionPath)/\(plural)"
    }

    /// One object, or its subresource (`status`).
    public func objectPath(namespace: String?, name: String, subresource: String? = nil) -> String {
        let path = "\(collectionPath(namespace: namespace))/\(name)"
        return subresource.map { "\(path)/\($0)" } ?? path
    }

    /// `ingresses.networking.k8s.io`, as kubectl and 403 messages name it.
    public var description: String { group.isEmpty ? plural : "\(plural).\(group)" }
}
