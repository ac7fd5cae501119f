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
        let text = parameters.map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        return apiResource.collectionPath(namespace: namespace) + (text.isEmpty ? "" : "?" + text)
    }

    /// RFC 3986 unreserved characters stay; everything else (continue tokens are base64) is escaped.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
