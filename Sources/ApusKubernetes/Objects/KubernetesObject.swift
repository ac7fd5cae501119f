/// One decoded object of a kind the controller follows.
public enum KubernetesObject: Equatable, Sendable {
    case ingressClass(IngressClass)
    case ingress(Ingress)
    case service(Service)
    case endpointSlice(EndpointSlice)
    case secret(TLSSecret)
    case opaqueSecret(OpaqueSecret)
    case configMap(ConfigMap)

    public var reference: ObjectReference {
        switch self {
        case .ingressClass(let object): return ObjectReference(kind: "IngressClass", namespace: "", name: object.metadata.name)
        case .ingress(let object): return object.reference
        case .service(let object): return object.reference
        case .endpointSlice(let object): return object.reference
        case .secret(let object): return object.reference
        case .opaqueSecret(let object): return object.reference
        case .configMap(let object): return object.reference
        }
    }
}
