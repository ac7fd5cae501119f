/// One connection's deadline, armed lazily in its loop's `TimerWheel`.
///
/// Moving the deadline later only stores the new time; the wheel entry already armed
/// fires at the old time and re-arms (`fired`). Moving it earlier arms a new entry, and
/// the older one is recognised as stale when it fires. Thread rule: owned by one loop.
public struct Deadline {
    /// Milliseconds on `MonotonicClock`; 0 = none.
    public var at: UInt64 = 0
    private var armedAt: UInt64 = .max

    public init() {}

    public mutating func set(_ at: UInt64, tag: UInt64, in wheel: inout TimerWheel) {
        self.at = at
        if at < armedAt {
            armedAt = at
            wheel.schedule(tag: tag, at: at)
        }
    }

    /// Handles a wheel entry for this deadline that fired at `now`; true when the
    /// deadline really passed.
    public mutating func fired(entryAt: UInt64, now: UInt64, tag: UInt64, in wheel: inout TimerWheel) -> Bool {
        guard armedAt == entryAt else { return false }
        armedAt = .max
        guard at != 0 else { return false }
        if at <= now { return true }
        set(at, tag: tag, in: &wheel)
        return false
    }
}
