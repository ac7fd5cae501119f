import ApusNet

/// The kinds the controller follows, with where the API serves them. Secrets are followed
/// twice, by type: TLS ones for certificates and Opaque ones for basic auth's users; the
/// other types (service-account tokens, Helm releases, docker configs) are never read.
public enum ResourceKind: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case ingressClass = "IngressClass"
    case ingress = "Ingress"
    case service = "Service"
    case endpointSlice = "EndpointSlice"
    case secret = "Secret"
    case opaqueSecret = "Secret (Opaque)"
    case configMap = "ConfigMap"

    public var description: String { rawValue }

    /// Where the API serves the kind (group, version, plural, scope).
    var apiResource: APIResource {
        switch self {
        case .ingressClass: return .ingressClasses
        case .ingress: return .ingresses
        case .service: return .services
        case .endpointSlice: return .endpointSlices
        case .secret, .opaqueSecret: return .secrets
        case .configMap: return .configMaps
        }
    }

    /// The `kind` of the objects (list items carry none).
    var objectKind: String { self == .opaqueSecret ? "Secret" : rawValue }

    /// Secrets by type: the controller never needs (nor should hold) any other Secret.
    var fieldSelector: String? {
        switch self {
        case .secret: return "type=kubernetes.io/tls"
        case .opaqueSecret: return "type=Opaque"
        default: return nil
        }
    }

    /// The list path with query parameters (each value percent-encoded).
    func path(namespace: String?, query: [(String, String)]) -> String {
        var parameters = query
        if let fieldSelector { parameters.append(("fieldSelector", fieldSelector)) }
        // Continue tokens are base64: their `+`, `/` and `=` must be escaped.
        let text = parameters.map { "\($0.0)=\(PercentEncoding.allButUnreserved($0.1))" }.joined(separator: "&")
        return apiResource.collectionPath(namespace: namespace) + (text.isEmpty ? "" : "?" + text)
    }
}
