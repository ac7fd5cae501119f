import ApusCore

/// One worker's request series since its last flush: for each route (and whether its
/// canary answered), method and status, the request count and ingress-nginx's six
/// histograms, kept as plain counters in one block of memory.
///
/// A request costs a hash probe and a few increments (no allocation, no lock); a series
/// is added the first time its key is seen, and keys stay between flushes so that the
/// steady state inserts nothing. Thread rule: owned by one worker.
final class RequestSeriesTable {
    /// Word offsets in a record. Bucket counts are per bucket (not cumulative); sums are in
    /// milliseconds or bytes.
    /// (Computed constants: a stored static is initialised lazily behind a check on each use.)
    enum Layout {
        /// Proxied requests answered within the millisecond they arrived: 0 in each of the
        /// four duration histograms, counted with one increment (most requests, at load)
        /// and spread into the histograms when drained.
        static var instantProxied: Int { 0 }
        static var requestDuration: Int { 1 }
        static var connectDuration: Int { requestDuration + durationWords }
        static var headerDuration: Int { connectDuration + durationWords }
        static var responseDuration: Int { headerDuration + durationWords }
        static var requestSize: Int { responseDuration + durationWords }
        static var responseSize: Int { requestSize + sizeWords }
        static var words: Int { responseSize + sizeWords }
        /// ingress-nginx's time buckets (Prometheus's default, 5 ms to 10 s), then +Inf and the sum.
        static let durationBounds: [UInt64] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
        static var durationWords: Int { 13 }
        /// ingress-nginx's length buckets (10 to 100 bytes by 10), then +Inf and the sum.
        static let sizeBounds: [UInt64] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
        static var sizeWords: Int { 12 }
    }

    /// What a key stands for.
    struct Key: Equatable {
        /// `route * 2 + 1` when the canary answered; `unroutedSlot` for requests no route took.
        var routeSlot: Int
        /// `HTTPMethod.rawValue`, or `MethodLabel.unknown` for a head that did not parse.
        var method: Int
        var status: Int
    }

    static let unroutedSlot = (1 << 30) - 1
    private static let statusRange = 1024
    private static let methodRange = 16

    /// The table whose route indexes the keys hold (labels are looked up there at a flush).
    private(set) var routes: RouteTable?
    private var keys: UnsafeMutablePointer<UInt64>
    private var records: UnsafeMutablePointer<UInt64>
    private var capacity: Int
    private var used = 0

    /// - Parameter capacity: a power of two (slots are found by masking).
    init(capacity: Int = 64) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0, "capacity must be a power of two")
        self.capacity = capacity
        keys = .allocate(capacity: capacity)
        keys.initialize(repeating: 0, count: capacity)
        records = .allocate(capacity: capacity * Layout.words)
        records.initialize(repeating: 0, count: capacity * Layout.words)
    }

    deinit {
        keys.deallocate()
        records.deallocate()
    }

    /// The record of a series, added if new. A status outside 0..<1024 counts as 0.
    @inline(__always)
    func record(routeSlot: Int, method: Int, status: Int) -> UnsafeMutablePointer<UInt64> {
        let statusPart = UInt64(truncatingIfNeeded: status) < UInt64(Self.statusRange) ? UInt64(status) : 0
        // +1: a key of 0 marks an empty slot.
        let key = ((UInt64(truncatingIfNeeded: routeSlot) &* UInt64(Self.methodRange) &+ UInt64(truncatingIfNeeded: method)) &* UInt64(Self.statusRange) | statusPart) &+ 1
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & (capacity &- 1)
        while true {
            let found = keys[slot]
            if found == key { return records + slot &* Layout.words }
            if found == 0 { return insert(key) }
            slot = (slot &+ 1) & (capacity &- 1)
        }
    }

    @inline(never)
    private func insert(_ key: UInt64) -> UnsafeMutablePointer<UInt64> {
        if (used + 1) * 2 > capacity { grow() }
        return records + place(key) * Layout.words
    }

    /// The slot of `key`, claimed if it had none (off the per-request path).
    private func place(_ key: UInt64) -> Int {
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & (capacity - 1)
        while keys[slot] != 0 && keys[slot] != key { slot = (slot + 1) & (capacity - 1) }
        if keys[slot] == 0 {
            keys[slot] = key
            used += 1
        }
        return slot
    }

    private func grow() {
        let oldKeys = keys, oldRecords = records, oldCapacity = capacity
        capacity *= 2
        keys = .allocate(capacity: capacity)
        keys.initialize(repeating: 0, count: capacity)
        records = .allocate(capacity: capacity * Layout.words)
        records.initialize(repeating: 0, count: capacity * Layout.words)
        used = 0
        for slot in 0..<oldCapacity where oldKeys[slot] != 0 {
            (records + place(oldKeys[slot]) * Layout.words).update(from: oldRecords + slot * Layout.words, count: Layout.words)
        }
        oldKeys.deallocate()
        oldRecords.deallocate()
    }

    /// Calls `body` with each series that counted something since the last call, then
    /// zeroes it (its key stays). Every request is in the request-duration histogram; the
    /// instant ones are moved there and into the upstream ones first.
    func drain(_ body: (Key, UnsafeBufferPointer<UInt64>) -> Void) {
        for slot in 0..<capacity where keys[slot] != 0 {
            let record = records + slot * Layout.words
            Self.spreadInstant(record)
            guard (0..<(Layout.durationWords - 1)).contains(where: { record[Layout.requestDuration + $0] != 0 }) else { continue }
            let key = keys[slot] - 1
            let status = Int(key % UInt64(Self.statusRange))
            let rest = key / UInt64(Self.statusRange)
            let decoded = Key(routeSlot: Int(rest / UInt64(Self.methodRange)), method: Int(rest % UInt64(Self.methodRange)), status: status)
            body(decoded, UnsafeBufferPointer(start: record, count: Layout.words))
            record.update(repeating: 0, count: Layout.words)
        }
    }

    /// Moves the instant requests' count into bucket 0 of the four duration histograms.
    static func spreadInstant(_ record: UnsafeMutablePointer<UInt64>) {
        let instant = record[Layout.instantProxied]
        guard instant != 0 else { return }
        for offset in [Layout.requestDuration, Layout.connectDuration, Layout.headerDuration, Layout.responseDuration] {
            record[offset] &+= instant
        }
        record[Layout.instantProxied] = 0
    }

    /// Forgets every series (a new table numbers its routes anew); drain first.
    func clear(for table: RouteTable) {
        routes = table
        keys.update(repeating: 0, count: capacity)
        records.update(repeating: 0, count: capacity * Layout.words)
        used = 0
    }
}

extension RequestSeriesTable {
    /// Adds one observation of `milliseconds` to the duration histogram at `offset`.
    @inline(__always)
    static func observe(duration milliseconds: UInt64, in record: UnsafeMutablePointer<UInt64>, at offset: Int) {
        let histogram = record + offset
        histogram[durationBucket(milliseconds)] &+= 1
        histogram[Layout.durationWords - 1] &+= milliseconds
    }

    /// Adds one observation of `bytes` to the size histogram at `offset`.
    @inline(__always)
    static func observe(size bytes: UInt64, in record: UnsafeMutablePointer<UInt64>, at offset: Int) {
        let histogram = record + offset
        // Buckets of 10 bytes up to 100, then +Inf (index 10).
        let bucket = bytes > 100 ? 10 : (bytes <= 10 ? 0 : Int(truncatingIfNeeded: (bytes &- 1) / 10))
        histogram[bucket] &+= 1
        histogram[Layout.sizeWords - 1] &+= bytes
    }

    /// The index of the first bound `milliseconds` is at or below (+Inf's is 11). Quick
    /// requests leave after the first test.
    @inline(__always)
    static func durationBucket(_ milliseconds: UInt64) -> Int {
        if milliseconds <= 5 { return 0 }
        return slowDurationBucket(milliseconds)
    }

    /// Only requests slower than the first bound come here, so reading the shared list
    /// (and its one-time initialisation check) costs nothing that counts.
    @inline(never)
    static func slowDurationBucket(_ milliseconds: UInt64) -> Int {
        let bounds = Layout.durationBounds
        for index in 1..<bounds.count where milliseconds <= bounds[index] { return index }
        return bounds.count
    }
}
