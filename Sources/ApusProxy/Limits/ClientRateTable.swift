import ApusCore
import Glibc

/// The per-client counts of rate and connection limits, shared by every worker, so that a
/// client whose connections land on different workers gets the configured rate, not a
/// multiple of it.
///
/// A fixed table (64 shards of 2,048 slots, 56 bytes each: 7 MiB of address space, touched
/// only as clients arrive), each shard behind its own mutex: two workers meet on a lock
/// only when their clients hash to the same shard. A client's slot is found within 16
/// slots of its hash; when they are all taken, the one least recently seen without
/// requests in progress is reused (nginx's zones evict the least recently used too), so a
/// flood of distinct addresses never grows memory. When all 16 have requests in progress
/// the request is let through uncounted rather than refused.
final class ClientRateTable: @unchecked Sendable {
    struct Slot {
        var zone: UInt64
        var high: UInt64
        var low: UInt64
        /// Nano-requests above the rate (nginx's `excess`).
        var excess: Int64
        /// Monotonic milliseconds of the last request counted (nginx's `last`).
        var stamp: UInt64
        /// Of the last request looked up, counted or refused: what eviction goes by (nginx
        /// moves a node to the front of its LRU on every lookup), so that a client refused
        /// nonstop is not the one a flood evicts.
        var seen: UInt64
        var inProgress: Int32
        var used: Bool
    }

    static let shardCount = 64
    static let slotsPerShard = 2_048
    static let window = 16
    static var capacity: Int { shardCount * slotsPerShard }

    private let mutexes: UnsafeMutablePointer<pthread_mutex_t>
    /// calloc'd: the kernel maps pages only as slots are first written.
    private let slots: UnsafeMutablePointer<Slot>

    init() {
        mutexes = .allocate(capacity: Self.shardCount)
        for shard in 0..<Self.shardCount {
            (mutexes + shard).initialize(to: pthread_mutex_t())
            pthread_mutex_init(mutexes + shard, nil)
        }
        slots = calloc(Self.capacity, MemoryLayout<Slot>.stride)!.bindMemory(to: Slot.self, capacity: Self.capacity)
    }

    deinit {
        for shard in 0..<Self.shardCount { pthread_mutex_destroy(mutexes + shard) }
        mutexes.deallocate()
        free(slots)
    }

    /// Counts a request against `rate`: nil when it may go, else the milliseconds until one
    /// would be let through.
    func admit(_ rate: CompiledRateLimit.Rate, client: ClientAddress, now: UInt64) -> UInt64? {
        withSlot(zone: rate.zone, client: client, now: now) { slot, isNew in
            // nginx: a client's first request passes with nothing in excess.
            if isNew { return nil }
            // nginx's `excess - rate * elapsed + 1`, floored at 0; the drain is capped so that
            // a long pause cannot overflow.
            let elapsed = Int64(clamping: now > slot.stamp ? now - slot.stamp : 0)
            let charged = slot.excess + CompiledRateLimit.request
            let drain = max(rate.drainPerMillisecond, 1)
            let drained = elapsed >= charged / drain + 1 ? charged : drain * elapsed
            let excess = max(charged - drained, 0)
            guard excess <= rate.burst else { return UInt64(max((excess - rate.burst + drain - 1) / drain, 1)) }
            slot.excess = excess
            // A worker's clock a little behind another's never moves the stamp back.
            slot.stamp = max(slot.stamp, now)
            return nil
        } ?? nil
    }

    /// Gives back a request `admit` counted (another zone refused it).
    func refund(_ rate: CompiledRateLimit.Rate, client: ClientAddress) {
        _ = withSlot(zone: rate.zone, client: client, now: 0, create: false) { slot, _ in
            slot.excess = max(slot.excess - CompiledRateLimit.request, 0)
        }
    }

    enum Acquisition {
        case counted
        case refused
        /// No slot could be had (all in its window busy): let through, and nothing to give back.
        case uncounted
    }

    /// Takes one of the client's `limit` requests in progress.
    func acquire(zone: UInt64, client: ClientAddress, limit: Int32, now: UInt64) -> Acquisition {
        withSlot(zone: zone, client: client, now: now) { slot, _ -> Acquisition in
            guard slot.inProgress < limit else { return .refused }
            slot.inProgress += 1
            return .counted
        } ?? .uncounted
    }

    func release(zone: UInt64, client: ClientAddress) {
        _ = withSlot(zone: zone, client: client, now: 0, create: false) { slot, _ in
            if slot.inProgress > 0 { slot.inProgress -= 1 }
        }
    }

    /// Slots in use (`apus_rate_limit_clients`): a walk over every shard under its lock.
    func occupancy() -> Int {
        var count = 0
        for shard in 0..<Self.shardCount {
            pthread_mutex_lock(mutexes + shard)
            let base = slots + shard * Self.slotsPerShard
            for index in 0..<Self.slotsPerShard where base[index].used { count += 1 }
            pthread_mutex_unlock(mutexes + shard)
        }
        return count
    }

    /// Runs `body` on the client's slot of `zone` under its shard's lock; nil when there is
    /// no slot (none to reuse, or `create` is false and the client has none).
    private func withSlot<Result>(zone: UInt64, client: ClientAddress, now: UInt64, create: Bool = true,
                                  _ body: (inout Slot, _ isNew: Bool) -> Result) -> Result? {
        var hasher = KeyHasher()
        withUnsafeBytes(of: (zone, client.high, client.low)) { hasher.add($0) }
        let hash = hasher.finish()
        let shard = Int(hash % UInt64(Self.shardCount))
        let start = Int((hash >> 6) % UInt64(Self.slotsPerShard))
        pthread_mutex_lock(mutexes + shard)
        defer { pthread_mutex_unlock(mutexes + shard) }
        let base = slots + shard * Self.slotsPerShard
        var free = -1
        var stalest = -1
        for step in 0..<Self.window {
            let index = (start + step) & (Self.slotsPerShard - 1)
            let slot = base[index]
            if slot.used {
                if slot.zone == zone && slot.high == client.high && slot.low == client.low {
                    if now > slot.seen { base[index].seen = now }
                    return body(&base[index], false)
                }
                if slot.inProgress == 0 && (stalest < 0 || slot.seen < base[stalest].seen) { stalest = index }
            } else if free < 0 {
                free = index
            }
        }
        guard create else { return nil }
        let chosen = free >= 0 ? free : stalest
        guard chosen >= 0 else { return nil }
        base[chosen] = Slot(zone: zone, high: client.high, low: client.low, excess: 0, stamp: now, seen: now, inProgress: 0, used: true)
        return body(&base[chosen], true)
    }
}
