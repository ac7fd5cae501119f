import Glibc

/// Peak EWMA of an endpoint's latency (Finagle's PeakEwma; ingress-nginx's `ewma` balancer
/// keeps a plain EWMA with the same 10 s decay and no multiplier for requests in flight): a
/// slower answer than the average takes over at once, faster ones pull it down with a
/// weight that decays over `decaySeconds`, and an endpoint left alone drifts back towards
/// zero so that it is tried again. Per worker, without locks.
public struct LatencyEWMA: Sendable, Equatable {
    /// Microseconds; negative until the first answer.
    public private(set) var micros: Double = -1
    /// Monotonic milliseconds of the last answer.
    public private(set) var touched: UInt64 = 0

    /// ingress-nginx's DECAY_TIME.
    public static let decaySeconds = 10.0

    public init() {}

    public init(micros: Double, touched: UInt64) {
        self.micros = micros
        self.touched = touched
    }

    public var isKnown: Bool { micros >= 0 }

    /// An answer took `latency` microseconds.
    public mutating func observe(_ latency: Double, at now: UInt64) {
        let weight = isKnown ? Self.weight(since: touched, at: now) : 0
        // The old average's share: it fades with the time since the last answer.
        let kept = max(micros, 0) * weight
        micros = latency > kept ? latency : kept + latency * (1 - weight)
        touched = now
    }

    /// The average as of `now`: decayed towards zero since the last answer; 0 when none came.
    public func value(at now: UInt64) -> Double {
        guard micros > 0 else { return 0 }
        return micros * Self.weight(since: touched, at: now)
    }

    static func weight(since touched: UInt64, at now: UInt64) -> Double {
        guard now > touched else { return 1 }
        return exp(-Double(now - touched) / (decaySeconds * 1000))
    }

    /// The cost of sending one more request: the latency expected for each request in
    /// flight plus this one.
    public func cost(activeRequests: Int, at now: UInt64) -> Double {
        value(at: now) * Double(activeRequests + 1)
    }
}
