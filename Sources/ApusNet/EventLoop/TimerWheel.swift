/// A hashed timer wheel: one per loop, for every connection deadline.
///
/// Owners keep their own deadline and re-arm lazily: an entry only says "look at tag T at
/// time A"; when it fires, the owner compares A with its current deadline and either acts
/// or schedules again. So moving a deadline later (each request on a keep-alive
/// connection) costs nothing, and cancelling is forgetting.
///
///     slot = (at / tick) % slotCount        entries of later revolutions wait in place
///     ┌────┬────┬────┬────┬─────┐
///     │ e  │    │ e e│    │ ... │           advance(now) empties every slot up to now
///     └────┴────┴────┴────┴─────┘
///
/// Thread rule: owned by one loop.
public struct TimerWheel {
    public struct Entry: Sendable {
        public var tag: UInt64
        public var at: UInt64
    }

    private var slots: [[Entry]]
    private let tickMilliseconds: UInt64
    private var currentTick: UInt64
    /// A lower bound of the earliest pending deadline (`.max` when none).
    private var earliest: UInt64 = .max
    public private(set) var count = 0

    public init(now: UInt64, tickMilliseconds: UInt64 = 10, slotCount: Int = 1024) {
        self.tickMilliseconds = tickMilliseconds
        self.slots = Array(repeating: [], count: slotCount)
        self.currentTick = now / tickMilliseconds
    }

    public mutating func schedule(tag: UInt64, at: UInt64) {
        let tick = max(at / tickMilliseconds, currentTick)
        slots[Int(tick % UInt64(slots.count))].append(Entry(tag: tag, at: at))
        count += 1
        if at < earliest { earliest = at }
    }

    /// Moves due entries (at <= now) into `fired`.
    public mutating func advance(to now: UInt64, fired: inout [Entry]) {
        guard count > 0, now >= earliest else { return }
        let lastTick = now / tickMilliseconds
        var steps = 0
        while currentTick <= lastTick && steps <= slots.count {
            let index = Int(currentTick % UInt64(slots.count))
            if !slots[index].isEmpty {
                var kept = 0
                for entry in slots[index] {
                    if entry.at <= now {
                        fired.append(entry)
                        count -= 1
                    } else {
                        slots[index][kept] = entry
                        kept += 1
                    }
                }
                slots[index].removeLast(slots[index].count - kept)
            }
            if currentTick == lastTick { break }
            currentTick += 1
            steps += 1
        }
        currentTick = lastTick
        recomputeEarliest()
    }

    private mutating func recomputeEarliest() {
        earliest = .max
        guard count > 0 else { return }
        for step in 0..<UInt64(slots.count) {
            let tick = currentTick + step
            if !slots[Int(tick % UInt64(slots.count))].isEmpty {
                earliest = tick * tickMilliseconds
                return
            }
        }
    }

    /// Milliseconds `epoll_wait` may sleep before the next entry can be due; -1 = no timers.
    public func timeout(now: UInt64, cap: Int32) -> Int32 {
        if earliest == .max { return cap }
        if earliest <= now { return 0 }
        return Int32(min(UInt64(cap), earliest - now + 1))
    }
}
