/// Per-client limits of a route (ingress-nginx's `limit-rps`, `limit-rpm`,
/// `limit-burst-multiplier`, `limit-connections` and `limit-allowlist`), counted per client
/// address across every worker.
///
/// Requests follow nginx's `limit_req ... burst=rate*multiplier nodelay`: a client may send
/// `burst` requests at once above the steady rate, the excess draining at the rate; a
/// request beyond that is answered `limits.rate_limit_status` (503, or 429 with
/// Retry-After). `connections` caps a client's requests in progress at once (nginx's
/// `limit_conn`), answered `limits.connection_limit_status`. Rules naming the same `zone`
/// share their counts (an Ingress's paths do, as in ingress-nginx). A path's setting
/// replaces its route's whole; `false` turns an inherited one off.
public struct RateLimitConfig: Equatable, Sendable {
    public var enabled: Bool
    /// Nil: the rule's own counts.
    public var zone: String?
    public var perSecond: Int?
    public var perMinute: Int?
    public var burstMultiplier: Int
    public var connections: Int?
    /// Addresses or networks never limited.
    public var allow: [String]
    public var location: SourceLocation

    public init(enabled: Bool = true, zone: String? = nil, perSecond: Int? = nil, perMinute: Int? = nil, burstMultiplier: Int = 5,
                connections: Int? = nil, allow: [String] = [], location: SourceLocation = .unknown) {
        self.enabled = enabled
        self.zone = zone
        self.perSecond = perSecond
        self.perMinute = perMinute
        self.burstMultiplier = burstMultiplier
        self.connections = connections
        self.allow = allow
        self.location = location
    }

    public static func off(at location: SourceLocation) -> RateLimitConfig {
        RateLimitConfig(enabled: false, location: location)
    }

    /// A million requests a second: far above what one client gets from any server, and
    /// small enough that the arithmetic in nano-requests never overflows.
    public static let largestRate = 1_000_000
    public static let largestMultiplier = 1_000

    /// What is wrong, each as "KEY: why" (the config file's keys).
    public var problems: [String] {
        var problems: [String] = []
        guard enabled else { return problems }
        if perSecond == nil && perMinute == nil && connections == nil { problems.append("rps: none of rps, rpm and connections is given") }
        for (key, value) in [("rps", perSecond), ("rpm", perMinute), ("connections", connections)] {
            if let value, value < 1 || value > Self.largestRate { problems.append("\(key): \(value) is not from 1 to \(Self.largestRate)") }
        }
        if burstMultiplier < 0 || burstMultiplier > Self.largestMultiplier {
            problems.append("burst_multiplier: \(burstMultiplier) is not from 0 (no burst) to \(Self.largestMultiplier)")
        }
        for entry in allow {
            if case .failure(let problem) = AddressRange.parse(entry) { problems.append("allow: '\(entry)' \(problem.explanation)") }
        }
        return problems
    }
}
