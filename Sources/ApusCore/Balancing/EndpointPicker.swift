/// Chooses the endpoint of one upstream for the next request, per `BalancePolicy`.
///
/// One picker per upstream per worker, owned by the worker (it survives table swaps,
/// keyed by upstream name), so it needs no locks. Pure and allocation-free: availability
/// and load come from the caller through non-escaping closures.
public struct EndpointPicker: Sendable {
    public let policy: BalancePolicy
    /// Where the next round-robin scan starts; kept modulo the count at use, so it stays
    /// meaningful when the endpoint list grows or shrinks.
    private var cursor = 0

    public init(policy: BalancePolicy) {
        self.policy = policy
    }

    /// - Parameters:
    ///   - endpointCount: endpoints in the upstream.
    ///   - isAvailable: false for an endpoint that must be skipped (ejected, not ready).
    ///   - activeRequests: this worker's in-flight requests to the endpoint (least connections).
    /// - Returns: the endpoint index, or nil when none is available (answer 503).
    public mutating func pick(endpointCount: Int, isAvailable: (Int) -> Bool, activeRequests: (Int) -> Int) -> Int? {
        guard endpointCount > 0 else { return nil }
        let start = cursor % endpointCount
        var chosen = -1
        var fewest = Int.max
        for step in 0..<endpointCount {
            var index = start + step
            if index >= endpointCount { index -= endpointCount }
            guard isAvailable(index) else { continue }
            if policy == .roundRobin { chosen = index; break }
            // EWMA without latencies to compare (the workers' other callers) is least connections.
            // Strictly fewer: among ties the first in round-robin order wins, so equal
            // load still rotates.
            let active = activeRequests(index)
            if active < fewest { fewest = active; chosen = index }
        }
        guard chosen >= 0 else { return nil }
        cursor = chosen + 1 == endpointCount ? 0 : chosen + 1
        return chosen
    }
}
