/// Placeholder picker (round robin / least connections); replaced by the full implementation.
public struct EndpointPicker: Sendable {
    public let policy: BalancePolicy
    private var cursor = 0

    public init(policy: BalancePolicy) {
        self.policy = policy
    }

    public mutating func pick(endpointCount: Int, isAvailable: (Int) -> Bool, activeRequests: (Int) -> Int) -> Int? {
        guard endpointCount > 0 else { return nil }
        var best: Int? = nil
        var bestActive = Int.max
        for step in 0..<endpointCount {
            let index = (cursor + step) % endpointCount
            guard isAvailable(index) else { continue }
            if policy == .roundRobin {
                cursor = (index + 1) % endpointCount
                return index
            }
            let active = activeRequests(index)
            if active < bestActive {
                best = index
                bestActive = active
            }
        }
        if let best { cursor = (best + 1) % endpointCount }
        return best
    }
}
