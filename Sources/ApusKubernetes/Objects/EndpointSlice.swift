/// `discovery.k8s.io/v1` EndpointSlice: pod addresses of one Service.
public struct EndpointSlice: Equatable, Sendable {
    public var metadata: ObjectMeta
    /// From the `kubernetes.io/service-name` label; nil for slices of no Service.
    public var serviceName: String?
    /// `IPv4`, `IPv6` or `FQDN`.
    public var addressType: String
    public var ports: [EndpointPort]
    public var endpoints: [Endpoint]

    public init(metadata: ObjectMeta, serviceName: String?, addressType: String, ports: [EndpointPort], endpoints: [Endpoint]) {
        self.metadata = metadata
        self.serviceName = serviceName
        self.addressType = addressType
        self.ports = ports
        self.endpoints = endpoints
    }

    public static let serviceNameLabel = "kubernetes.io/service-name"

    public var reference: ObjectReference {
        ObjectReference(kind: "EndpointSlice", namespace: metadata.namespace, name: metadata.name)
    }
}

public struct EndpointPort: Equatable, Sendable {
    /// Matches the Service port's name (empty or nil for an unnamed port).
    public var name: String?
    /// Nil means "all ports" in the API; no use to a proxy.
    public var port: Int?
    public var `protocol`: String

    public init(name: String?, port: Int?, protocol: String = "TCP") {
        self.name = name
        self.port = port
        self.protocol = `protocol`
    }
}

public struct Endpoint: Equatable, Sendable {
    public var addresses: [String]
    /// Nil conditions mean "unknown", which the API says to read as ready/serving.
    public var ready: Bool?
    public var serving: Bool?
    public var terminating: Bool?

    public init(addresses: [String], ready: Bool? = nil, serving: Bool? = nil, terminating: Bool? = nil) {
        self.addresses = addresses
        self.ready = ready
        self.serving = serving
        self.terminating = terminating
    }
}
