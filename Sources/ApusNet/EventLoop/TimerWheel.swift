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
    /// The smallest `at` in each slot (`.max` when empty): the earliest deadline is found
    /// by looking at slots, not at every entry, and is exact, so `epoll_wait` never wakes
    /// for a slot that only holds entries of later revolutions.
    private var slotEarliest: [UInt64]
    private let tickMilliseconds: UInt64
    private var currentTick: UInt64
    /// The earliest pending deadline (`.max` when none).
    private var earliest: UInt64 = .max
    public private(set) var count = 0

    public init(now: UInt64, tickMilliseconds: UInt64 = 10, slotCount: Int = 1024) {
        self.tickMilliseconds = tickMilliseconds
        self.slots = Array(repeating: [], count: slotCount)
        self.slotEarliest = Array(repeating: .max, count: slotCount)
        self.currentTick = now / tickMilliseconds
    }

    public mutating func schedule(tag: UInt64, at: UInt64) {
        let tick = max(at / tickMilliseconds, currentTick)
        let index = Int(tick % UInt64(slots.count))
        slots[index].append(Entry(tag: tag, at: at))
        if at < slotEarliest[index] { slotEarliest[index] = at }
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
            if !slots[index].isEmpty && slotEarliest[index] <= now {
                var kept = 0
                var keptEarliest = UInt64.max
                for entry in slots[index] {
                    if entry.at <= now {
                        fired.append(entry)
                        count -= 1
                    } else {
                        slots[index][kept] = entry
                        kept += 1
                        if entry.at < keptEarliest { keptEarliest = entry.at }
                    }
                }
                if kept == 0 {
                    // An emptied slot gives its storage back: after a burst of connections
                    // the wheel would otherwise keep room for all of them in every slot.
                    slots[index] = []
                } else {
                    slots[index].removeLast(slots[index].count - kept)
                }
                slotEarliest[index] = keptEarliest
            }
            if currentTick == lastTick { break }
            currentTick += 1
            steps += 1
        }
        currentTick = lastTick
        recomputeEarliest()
    }

    /// Every entry in the slot `step` ticks ahead is due at that slot's start or later
    /// (a later revolution), so the scan stops once a slot starts after the best found.
    private mutating func recomputeEarliest() {
        var best = UInt64.max
        if count > 0 {
            for step in 0..<UInt64(slots.count) {
                let tick = currentTick + step
                if tick * tickMilliseconds >= best { break }
                let candidate = slotEarliest[Int(tick % UInt64(slots.count))]
                if candidate < best { best = candidate }
            }
        }
        earliest = best
    }

    /// Milliseconds `epoll_wait` may sleep before the next entry can be due; -1 = no timers.
    public func timeout(now: UInt64, cap: Int32) -> Int32 {
        if earliest == .max { return cap }
        if earliest <= now { return 0 }
        return Int32(min(UInt64(cap), earliest - now + 1))
    }
}
