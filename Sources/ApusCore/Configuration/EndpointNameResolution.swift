/// Replaces upstream endpoints written as DNS names (`api.internal:8080`, a Kubernetes
/// ExternalName) with the addresses they resolve to, before the compiler sees them: the
/// control plane does the blocking lookup, workers only ever connect to addresses.
///
/// Every address of a name becomes an endpoint (balanced like the others) that remembers
/// the name, so HTTPS upstreams send it as SNI and verify it. A name that does not resolve
/// is a warning, and its upstream answers 503 until a later lookup (`refreshSeconds`)
/// succeeds.
public enum EndpointNameResolution {
    /// How often the control plane looks names up again (getaddrinfo gives no TTL).
    public static let refreshSeconds = 30

    /// Whether any upstream endpoint is written as a name.
    public static func hasNames(_ configuration: Configuration) -> Bool {
        configuration.upstreams.contains { upstream in upstream.endpoints.contains { nameAndPort($0.address) != nil } }
    }

    /// `lookup` gives the addresses of a name (the data plane's module supplies the
    /// system resolver; tests supply answers).
    public static func resolve(
        _ configuration: Configuration, lookup: (String) -> Result<[String], EndpointLookupFailure>
    ) -> (Configuration, [Diagnostic]) {
        guard hasNames(configuration) else { return (configuration, []) }
        var resolved = configuration
        var diagnostics: [Diagnostic] = []
        var answers: [String: Result<[String], EndpointLookupFailure>] = [:]
        for index in resolved.upstreams.indices {
            var endpoints: [EndpointConfig] = []
            for endpoint in resolved.upstreams[index].endpoints {
                guard let (name, port) = nameAndPort(endpoint.address) else {
                    endpoints.append(endpoint)
                    continue
                }
                let answer = answers[name] ?? lookup(name)
                answers[name] = answer
                switch answer {
                case .success(let addresses):
                    for address in addresses {
                        let text = address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
                        endpoints.append(EndpointConfig(address: text, resolvedFrom: name, location: endpoint.location))
                    }
                case .failure(let error):
                    diagnostics.append(.warning(
                        "endpoint-name-unresolved",
                        "upstream '\(resolved.upstreams[index].name)': cannot resolve '\(name)' (\(error.reason)); looked up again every \(refreshSeconds) s",
                        at: endpoint.location))
                }
            }
            resolved.upstreams[index].endpoints = endpoints
        }
        return (resolved, diagnostics)
    }

    /// `(name, port)` when `address` is `dns-name:port`: not an IP literal, not `localhost`
    /// (the compiler takes those), and made of DNS name characters with a letter in it.
    static func nameAndPort(_ address: String) -> (String, String)? {
        guard !address.hasPrefix("["), let colon = address.lastIndex(of: ":") else { return nil }
        let host = address[..<colon]
        let port = address[address.index(after: colon)...]
        guard !host.isEmpty, !host.contains(":"), host.lowercased() != "localhost", !port.isEmpty else { return nil }
        var sawLetter = false
        for byte in host.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): sawLetter = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."): break
            default: return nil
            }
        }
        guard sawLetter else { return nil }
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return (name, String(port))
    }
}

/// Why a name gave no address.
public struct EndpointLookupFailure: Error, Equatable, Sendable {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }
}
