/// A route's client limits as workers use them (see `RateLimitConfig`): counts in
/// nano-requests, so that per-minute rates drain without rounding to nothing.
public final class CompiledRateLimit: Sendable {
    public struct Rate: Sendable, Equatable {
        /// Which counts: the zone's name and the kind, hashed.
        public let zone: UInt64
        /// Nano-requests drained per millisecond.
        public let drainPerMillisecond: Int64
        /// Nano-requests a client may be ahead of the rate.
        public let burst: Int64
    }

    public let config: RateLimitConfig
    public let perSecond: Rate?
    public let perMinute: Rate?
    public let connectionZone: UInt64
    public let connections: Int32
    public let allow: [AddressRange]

    public static let request: Int64 = 1_000_000_000

    /// `config` passed `RateLimitConfig.problems`; `zone` names the counts.
    public init(config: RateLimitConfig, zone: String) {
        self.config = config
        func key(_ kind: String) -> UInt64 {
            var hasher = KeyHasher()
            hasher.add(zone.utf8)
            hasher.add(UInt8(ascii: "\n"))
            hasher.add(kind.utf8)
            return hasher.finish()
        }
        let multiplier = Int64(config.burstMultiplier)
        perSecond = config.perSecond.map {
            Rate(zone: key("rps"), drainPerMillisecond: Int64($0) * Self.request / 1000, burst: Int64($0) * multiplier * Self.request)
        }
        perMinute = config.perMinute.map {
            Rate(zone: key("rpm"), drainPerMillisecond: Int64($0) * Self.request / 60_000, burst: Int64($0) * multiplier * Self.request)
        }
        connectionZone = key("connections")
        connections = Int32(config.connections ?? 0)
        allow = config.allow.compactMap { try? AddressRange.parse($0).get() }
    }

    public func exempts(_ client: ClientAddress) -> Bool {
        allow.anyContains(client)
    }
}
