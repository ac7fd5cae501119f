/// `v1` Service, with only the fields the translation reads.
public struct Service: Equatable, Sendable {
    public var metadata: ObjectMeta
    /// `ClusterIP`, `NodePort`, `LoadBalancer` or `ExternalName`.
    public var type: String
    public var ports: [ServicePort]
    /// DNS name of an `ExternalName` service.
    public var externalName: String?
    public var clusterIP: String?

    public init(metadata: ObjectMeta, type: String = "ClusterIP", ports: [ServicePort] = [], externalName: String? = nil, clusterIP: String? = nil) {
        self.metadata = metadata
        self.type = type
        self.ports = ports
        self.externalName = externalName
        self.clusterIP = clusterIP
    }

    public var reference: ObjectReference {
        ObjectReference(kind: "Service", namespace: metadata.namespace, name: metadata.name)
    }
}

public struct ServicePort: Equatable, Sendable {
    /// Required by the API when a Service has more than one port.
    public var name: String?
    public var port: Int
    public var targetPort: IntOrString?
    /// The port's application protocol: `kubernetes.io/h2c` and `grpc` make Apus speak
    /// HTTP/2 to it.
    public var appProtocol: String?

    public init(name: String?, port: Int, targetPort: IntOrString? = nil, appProtocol: String? = nil) {
        self.name = name
        self.port = port
        self.targetPort = targetPort
        self.appProtocol = appProtocol
    }

    /// Whether `appProtocol` says the port speaks HTTP/2.
    public var speaksHTTP2: Bool { appProtocol == "kubernetes.io/h2c" || appProtocol == "grpc" }
}
