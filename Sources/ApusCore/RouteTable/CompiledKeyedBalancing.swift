/// How an upstream with session affinity or consistent hashing picks endpoints, as workers
/// use it (see `AffinityConfig` and `UpstreamHashConfig`). Immutable, built with the table,
/// shared by workers, so every worker maps a key to the same endpoint.
public final class CompiledKeyedBalancing: Sendable {
    public enum Kind: Sendable {
        case hash(UpstreamHashConfig)
        case affinity(AffinityConfig)
    }

    public let kind: Kind
    /// Over the endpoints, or with hash subsets over the subsets.
    public let ring: HashRing
    /// With hash subsets, the endpoints (indexes) of each ring member; empty otherwise.
    public let subsets: [[Int]]
    /// Persistent affinity: each endpoint's cookie token, sorted, with its endpoint.
    let tokens: [(token: UInt64, endpoint: Int)]
    /// The affinity cookie's name, lowercase for lookup; empty for hashing.
    public let cookieName: [UInt8]
    /// The cookie's name as configured, and `=`: the start of a Set-Cookie value.
    public let cookiePrefix: [UInt8]
    /// `kind`'s payload, read without a switch on the request path.
    public let affinity: AffinityConfig?
    public let hashKey: RequestTemplate?
    /// `SameSite=None` depends on the browser (`conditionalSameSiteNone`).
    public let affinityWantsUserAgent: Bool

    init(kind: Kind, upstream name: String, endpoints: [HostPort]) {
        self.kind = kind
        switch kind {
        case .hash(let config):
            affinity = nil
            hashKey = config.key
            affinityWantsUserAgent = false
        case .affinity(let config):
            affinity = config
            hashKey = nil
            affinityWantsUserAgent = config.conditionalSameSiteNone && config.sameSite == AffinityConfig.SameSite.crossSite
        }
        let identities = endpoints.map(\.description)
        switch kind {
        case .hash(let config):
            if let size = config.subsetSize, !endpoints.isEmpty {
                let groups = Self.subsets(of: identities, size: size)
                subsets = groups
                ring = HashRing(identities: groups.indices.map { "set\($0 + 1)" })
            } else {
                subsets = []
                ring = HashRing(identities: identities)
            }
            tokens = []
            cookieName = []
            cookiePrefix = []
        case .affinity(let config):
            subsets = []
            ring = HashRing(identities: identities)
            tokens = config.mode == .persistent
                ? identities.enumerated().map { (Self.token(upstream: name, endpoint: $0.element), $0.offset) }.sorted { $0.token < $1.token }
                : []
            cookieName = Array(config.cookieName.lowercased().utf8)
            cookiePrefix = Array(config.cookieName.utf8) + [UInt8(ascii: "=")]
        }
    }

    /// ingress-nginx's grouping: the endpoints in order of address, cut into groups of
    /// `size`, the last one filled up from the first endpoints.
    static func subsets(of identities: [String], size: Int) -> [[Int]] {
        let ordered = identities.indices.sorted { identities[$0] < identities[$1] }
        let groupCount = (ordered.count + size - 1) / size
        return (0..<groupCount).map { group in
            (0..<size).map { ordered[(group * size + $0) % ordered.count] }
        }
    }

    /// The cookie token of an endpoint in persistent mode: stable across workers, restarts
    /// and controller replicas, and not the address.
    public static func token(upstream: String, endpoint: String) -> UInt64 {
        var hasher = KeyHasher()
        hasher.add(upstream.utf8)
        hasher.add(UInt8(ascii: "\n"))
        hasher.add(endpoint.utf8)
        return hasher.finish()
    }

    /// The endpoint whose token this is, if it is still in the upstream.
    public func endpoint(ofToken token: UInt64) -> Int? {
        var low = 0
        var high = tokens.count
        while low < high {
            let middle = (low + high) >> 1
            if tokens[middle].token < token { low = middle + 1 } else { high = middle }
        }
        return low < tokens.count && tokens[low].token == token ? tokens[low].endpoint : nil
    }

    /// The token of an endpoint (persistent mode).
    public func token(ofEndpoint endpoint: Int) -> UInt64? {
        tokens.first { $0.endpoint == endpoint }?.token
    }

}

/// A session key or endpoint token as a cookie value: 16 lowercase hex digits.
public enum AffinityCookieValue {
    public static let length = 16

    public static func parse(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard bytes.count == length else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    public static func write(_ value: UInt64, into out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        for shift in stride(from: 60, through: 0, by: -4) {
            out.append(digits.utf8Start[Int(value >> UInt64(shift) & 15)])
        }
    }
}
