/// The five kinds the controller follows, with where the API serves them.
public enum ResourceKind: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case ingressClass = "IngressClass"
    case ingress = "Ingress"
    case service = "Service"
    case endpointSlice = "EndpointSlice"
    case secret = "Secret"

    public var description: String { rawValue }

    /// `/apis/GROUP/VERSION` or `/api/v1`.
    var groupVersionPath: String {
        switch self {
        case .ingressClass, .ingress: return "/apis/networking.k8s.io/v1"
        case .service, .secret: return "/api/v1"
        case .endpointSlice: return "/apis/discovery.k8s.io/v1"
        }
    }

    var plural: String {
        switch self {
        case .ingressClass: return "ingressclasses"
        case .ingress: return "ingresses"
        case .service: return "services"
        case .endpointSlice: return "endpointslices"
        case .secret: return "secrets"
        }
    }

    /// IngressClasses are cluster-scoped: a namespace limit never applies to them.
    var isNamespaced: Bool { self != .ingressClass }

    /// Only TLS Secrets: the controller never needs (nor should hold) any other Secret.
    var fieldSelector: String? { self == .secret ? "type=kubernetes.io/tls" : nil }

    /// The collection path, limited to `namespace` when given and the kind is namespaced.
    func collectionPath(namespace: String?) -> String {
        if let namespace, isNamespaced { return "\(groupVersionPath)/namespaces/\(namespace)/\(plural)" }
        return "\(groupVersionPath)/\(plural)"
    }

    /// The list path with query parameters (each value percent-encoded).
    func path(namespace: String?, query: [(String, String)]) -> String {
        var parameters = query
        if let fieldSelector { parameters.append(("fieldSelector", fieldSelector)) }
        let text = parameters.map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        return collectionPath(namespace: namespace) + (text.isEmpty ? "" : "?" + text)
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
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}
