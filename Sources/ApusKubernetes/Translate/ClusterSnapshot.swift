/// Every object the translation reads, as of one moment: what the informers hold, or what
/// a set of manifest files declares.
///
/// Plain values keyed by namespace/name (IngressClasses by name alone), so that the
/// network half can update one entry per watch event and hand a copy to the translator.
public struct ClusterSnapshot: Equatable, Sendable {
    public var ingressClasses: [String: IngressClass]
    public var ingresses: [ObjectKey: Ingress]
    public var services: [ObjectKey: Service]
    public var endpointSlices: [ObjectKey: EndpointSlice]
    public var secrets: [ObjectKey: TLSSecret]
    /// Secrets of type Opaque (basic auth's users).
    public var opaqueSecrets: [ObjectKey: OpaqueSecret]
    /// ConfigMaps (custom-headers).
    public var configMaps: [ObjectKey: ConfigMap] = [:]

    public init(
        ingressClasses: [String: IngressClass] = [:], ingresses: [ObjectKey: Ingress] = [:],
        services: [ObjectKey: Service] = [:], endpointSlices: [ObjectKey: EndpointSlice] = [:],
        secrets: [ObjectKey: TLSSecret] = [:], opaqueSecrets: [ObjectKey: OpaqueSecret] = [:]
    ) {
        self.opaqueSecrets = opaqueSecrets
        self.ingressClasses = ingressClasses
        self.ingresses = ingresses
        self.services = services
        self.endpointSlices = endpointSlices
        self.secrets = secrets
    }

    /// A snapshot of the given objects; a later object with the same kind and key
    /// replaces an earlier one.
    public init(objects: [KubernetesObject]) {
        self.init()
        for object in objects { insert(object) }
    }

    /// Adds or replaces one object (an ADDED or MODIFIED event).
    public mutating func insert(_ object: KubernetesObject) {
        switch object {
        case .ingressClass(let value): ingressClasses[value.metadata.name] = value
        case .ingress(let value): ingresses[value.metadata.key] = value
        case .service(let value): services[value.metadata.key] = value
        case .endpointSlice(let value): endpointSlices[value.metadata.key] = value
        case .secret(let value): secrets[value.metadata.key] = value
        case .opaqueSecret(let value): opaqueSecrets[value.metadata.key] = value
        case .configMap(let value): configMaps[value.metadata.key] = value
        }
    }

    /// Removes one object (a DELETED event).
    public mutating func remove(_ reference: ObjectReference) {
        let key = ObjectKey(namespace: reference.namespace, name: reference.name)
        switch reference.kind {
        case "IngressClass": ingressClasses[reference.name] = nil
        case "Ingress": ingresses[key] = nil
        case "Service": services[key] = nil
        case "EndpointSlice": endpointSlices[key] = nil
        case "Secret":
            secrets[key] = nil
            opaqueSecrets[key] = nil
        case "ConfigMap": configMaps[key] = nil
        default: break
        }
    }
}
