/// How an upstream with session affinity or consistent hashing picks endpoints, as workers
/// use it (see `AffinityConfig` and `UpstreamHashConfig`). Immutable, built with the table,
/// shared by workers, so every worker maps a key to the same endpoint.
/// Unchecked Sendable: `cookiePrefix` is memory written once in `init` and only read after.
public final class CompiledKeyedBalancing: @unchecked Sendable {
    public enum Kind: Sendable {
        case hash(UpstreamHashConfig)
        case affinity(AffinityConfig)
    }

    /// Over the endpoints, or with hash subsets over the subsets.
    public let ring: HashRing
    /// With hash subsets, the endpoints (indexes) of each ring member; empty otherwise.
    public let subsets: [[Int]]
    /// Persistent affinity: each endpoint's cookie token, sorted, with its endpoint.
    let tokens: [(token: UInt64, endpoint: Int)]
    /// The affinity cookie's name as configured and `=`, matched exactly (case and all, as
    /// ingress-nginx reads it) and the start of its Set-Cookie value; empty for hashing.
    /// Owned memory rather than an array: read per request without reference counting.
    public let cookiePrefix: UnsafeRawBufferPointer
    /// What it was built from: one of the two is set.
    public let affinity: AffinityConfig?
    public let hash: UpstreamHashConfig?
    /// The affinity mode and `changeOnFailure` as scalars: reading them through `affinity`
    /// would copy (retain and release) its strings per request.
    public let isPersistent: Bool
    public let changesOnFailure: Bool
    /// The hash key's pieces as workers feed them to the hasher.
    public let hashPieces: [HashKeyPiece]
    /// `SameSite=None` depends on the browser (`conditionalSameSiteNone`).
    public let affinityWantsUserAgent: Bool

    init(kind: Kind, upstream name: String, endpoints: [HostPort]) {
        switch kind {
        case .hash(let config):
            affinity = nil
            hash = config
            affinityWantsUserAgent = false
            isPersistent = false
            changesOnFailure = false
            hashPieces = config.key.pieces.map(HashKeyPiece.init)
        case .affinity(let config):
            affinity = config
            hash = nil
            affinityWantsUserAgent = config.conditionalSameSiteNone && config.sameSite == AffinityConfig.SameSite.crossSite
            isPersistent = config.mode == .persistent
            changesOnFailure = config.changeOnFailure
            hashPieces = []
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
            cookiePrefix = UnsafeRawBufferPointer(start: nil, count: 0)
        case .affinity(let config):
            subsets = []
            ring = HashRing(identities: identities)
            tokens = config.mode == .persistent
                ? identities.enumerated().map { (Self.token(upstream: name, endpoint: $0.element), $0.offset) }.sorted { $0.token < $1.token }
                : []
            let prefix = Array(config.cookieName.utf8) + [UInt8(ascii: "=")]
            let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: prefix.count, alignment: 1)
            memory.copyBytes(from: prefix)
            cookiePrefix = UnsafeRawBufferPointer(memory)
        }
    }

    deinit {
        cookiePrefix.deallocate()
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

/// One piece of a consistent-hash key: the variables requests mostly hash by are read in
/// place; any other is expanded as a template of its own.
public enum HashKeyPiece: Sendable {
    case text([UInt8])
    case requestURI
    case uri
    case host
    case remoteAddress
    /// Lowercase names, as `RequestTemplate` keeps them.
    case header([UInt8])
    case cookie([UInt8])
    case argument([UInt8])
    case other(RequestTemplate)

    init(_ piece: RequestTemplate.Piece) {
        switch piece {
        case .text(let text): self = .text(Array(text.utf8))
        case .variable(.requestURI): self = .requestURI
        case .variable(.uri): self = .uri
        case .variable(.host): self = .host
        case .variable(.remoteAddress): self = .remoteAddress
        case .variable(.header(let name)): self = .header(Array(name.utf8))
        case .variable(.cookie(let name)): self = .cookie(Array(name.utf8))
        case .variable(.argument(let name)): self = .argument(Array(name.utf8))
        case .variable: self = .other(RequestTemplate(pieces: [piece], written: ""))
        }
    }
}

/// A session key or endpoint token as a cookie value: 16 lowercase hex digits.
public enum AffinityCookieValue {
    @inlinable public static var length: Int { 16 }

    /// Sixteen lowercase hex digits, eight at a time (SWAR): the cookie comes with every
    /// request of a session, so this is on the per-request path.
    @inlinable @inline(__always)
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard bytes.count == length, let base = bytes.baseAddress else { return nil }
        let first = base.loadUnaligned(as: UInt64.self)
        let second = base.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        guard isHex(first) & isHex(second) & highBits == highBits else { return nil }
        return nibbles(first) << 32 | nibbles(second)
    }

    @inlinable static var ones: UInt64 { 0x0101_0101_0101_0101 }
    @inlinable static var highBits: UInt64 { 0x8080_8080_8080_8080 }

    /// The high bit of each byte that is `0`-`9` or `a`-`f`. With every byte below 0x80,
    /// adding (0x80 - low) sets a byte's high bit when it is at least `low`, adding
    /// (0x7F - high) when it is above `high`.
    @inlinable @inline(__always)
    static func isHex(_ word: UInt64) -> UInt64 {
        let digit = (word &+ 0x50 &* ones) & ~(word &+ 0x46 &* ones)
        let letter = (word &+ 0x1F &* ones) & ~(word &+ 0x19 &* ones)
        return (digit | letter) & ~word
    }

    /// Eight hex characters (first in the lowest byte) as 32 bits.
    @inlinable @inline(__always)
    static func nibbles(_ word: UInt64) -> UInt64 {
        // Digits keep their low nibble; letters (bit 6 set) add 9: 'a' (1) becomes 10.
        var value = (word & 0x0F0F_0F0F_0F0F_0F0F) &+ ((word >> 6) & ones) &* 9
        // The first character is the most significant digit.
        value = value.byteSwapped
        value = (value | (value >> 4)) & 0x00FF_00FF_00FF_00FF
        value = (value | (value >> 8)) & 0x0000_FFFF_0000_FFFF
        value = (value | (value >> 16)) & 0x0000_0000_FFFF_FFFF
        return value
    }

    public static func write(_ value: UInt64, into out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        for shift in stride(from: 60, through: 0, by: -4) {
            out.append(digits.utf8Start[Int(value >> UInt64(shift) & 15)])
        }
    }
}
