/// `networking.k8s.io/v1` Ingress, with only the fields the translation reads.
public struct Ingress: Equatable, Sendable {
    public var metadata: ObjectMeta
    public var ingressClassName: String?
    public var defaultBackend: IngressBackend?
    public var rules: [IngressRule]
    public var tls: [IngressTLS]
    /// `status.loadBalancer.ingress`, so that the status writer can skip unchanged writes.
    public var loadBalancer: [LoadBalancerIngress]

    public init(
        metadata: ObjectMeta, ingressClassName: String? = nil, defaultBackend: IngressBackend? = nil,
        rules: [IngressRule] = [], tls: [IngressTLS] = [], loadBalancer: [LoadBalancerIngress] = []
    ) {
        self.metadata = metadata
        self.ingressClassName = ingressClassName
        self.defaultBackend = defaultBackend
        self.rules = rules
        self.tls = tls
        self.loadBalancer = loadBalancer
    }

    /// The legacy class annotation, still honoured.
    public static let legacyClassAnnotation = "kubernetes.io/ingress.class"

    public var reference: ObjectReference {
        ObjectReference(kind: "Ingress", namespace: metadata.namespace, name: metadata.name)
    }
}

/// One `spec.rules[]` entry: a host (nil = every host) and its HTTP paths.
public struct IngressRule: Equatable, Sendable {
    public var host: String?
    public var paths: [IngressPath]

    public init(host: String?, paths: [IngressPath]) {
        self.host = host
        self.paths = paths
    }
}

public struct IngressPath: Equatable, Sendable {
    public enum PathType: String, Equatable, Sendable {
        case exact = "Exact"
        case prefix = "Prefix"
        case implementationSpecific = "ImplementationSpecific"
    }

    /// Nil when omitted (allowed for ImplementationSpecific; read as `/`).
    public var path: String?
    public var pathType: PathType
    public var backend: IngressBackend

    public init(path: String?, pathType: PathType, backend: IngressBackend) {
        self.path = path
        self.pathType = pathType
        self.backend = backend
    }
}

/// Where an Ingress path sends requests.
public enum IngressBackend: Equatable, Sendable {
    /// A Service in the Ingress's namespace, and one of its ports by number or name.
    case service(name: String, port: IntOrString)
    /// A typed object reference (`spec.rules[].http.paths[].backend.resource`); Apus serves
    /// none of these.
    case resource(apiGroup: String?, kind: String, name: String)
}

/// One `spec.tls[]` entry: hosts covered by the certificate in `secretName`.
public struct IngressTLS: Equatable, Sendable {
    public var hosts: [String]
    public var secretName: String?

    public init(hosts: [String], secretName: String?) {
        self.hosts = hosts
        self.secretName = secretName
    }
}

/// One published address of the Ingress.
public struct LoadBalancerIngress: Equatable, Sendable {
    public var ip: String?
    public var hostname: String?

    public init(ip: String? = nil, hostname: String? = nil) {
        self.ip = ip
        self.hostname = hostname
    }
}

extension Ingress {
    /// The object an annotation names as `NAME` (in the Ingress's namespace) or
    /// `NAMESPACE/NAME`.
    func key(naming text: String) -> ObjectKey {
        let parts = text.split(separator: "/")
        return ObjectKey(namespace: parts.count == 2 ? String(parts[0]) : metadata.namespace, name: String(parts.last ?? ""))
    }
}
