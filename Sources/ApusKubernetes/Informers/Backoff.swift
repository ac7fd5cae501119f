/// Jittered exponential backoff: each failure doubles the wait up to `cap`; the wait is
/// drawn from its upper half, so that many controllers restarted together (a rollout, an
/// API server back from maintenance) do not come back in step.
public struct Backoff: Sendable {
    public var initialMilliseconds: UInt64
    public var capMilliseconds: UInt64
    private var current: UInt64 = 0

    public init(initialMilliseconds: UInt64 = 500, capMilliseconds: UInt64 = 30_000) {
        self.initialMilliseconds = initialMilliseconds
        self.capMilliseconds = capMilliseconds
    }

    /// The wait before the next attempt; grows on each call.
    public mutating func next() -> UInt64 {
        current = current == 0 ? initialMilliseconds : min(capMilliseconds, current * 2)
        return current / 2 + UInt64.random(in: 0...(current / 2))
    }

    /// After a success: the next failure starts small again.
    public mutating func reset() { current = 0 }
}
