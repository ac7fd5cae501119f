/// Values by stream id (or any nonzero `Int32` key): open addressing with linear probing
/// and a multiplicative hash. A connection's few streams are looked up several times per
/// request, and `Dictionary`'s seeded hashing cost more than the rest of each lookup.
///
/// Keys are never 0 (stream 0 is the connection itself), so 0 marks a free slot; a
/// removal shifts the run after it back, so there are no tombstones. Inlinable, so that
/// each use is specialized for its value type rather than run generically.
public struct HTTP2StreamMap<Value> {
    @usableFromInline var keys: [Int32]
    @usableFromInline var values: [Value?]
    @usableFromInline var occupied = 0
    @inlinable public var count: Int { occupied }

    /// Allocates nothing until the first insertion: an idle connection's maps hold no
    /// storage (see `releaseStorage`).
    @inlinable
    public init() {
        keys = []
        values = []
    }

    /// Gives the storage back when the map is empty (an idle connection).
    @inlinable
    public mutating func releaseStorage() {
        guard occupied == 0, !keys.isEmpty else { return }
        keys = []
        values = []
    }

    @inlinable
    public var isEmpty: Bool { occupied == 0 }

    @inlinable @inline(__always)
    func slot(_ key: Int32) -> Int {
        Int(truncatingIfNeeded: (UInt32(bitPattern: key) &* 0x9E37_79B1) >> 8) & (keys.count - 1)
    }

    @inlinable
    func find(_ key: Int32) -> Int? {
        guard !keys.isEmpty else { return nil }
        var index = slot(key)
        while keys[index] != 0 {
            if keys[index] == key { return index }
            index = (index + 1) & (keys.count - 1)
        }
        return nil
    }

    @inlinable
    public subscript(key: Int32) -> Value? {
        get { find(key).flatMap { values[$0] } }
        set {
            if let newValue { insert(key, newValue) } else { remove(key) }
        }
    }

    /// Changes the value of `key` in place; false when the key is absent.
    @inlinable @discardableResult
    public mutating func modify(_ key: Int32, _ change: (inout Value) -> Void) -> Bool {
        guard let index = find(key) else { return false }
        change(&values[index]!)
        return true
    }

    @inlinable
    mutating func insert(_ key: Int32, _ value: Value) {
        precondition(key != 0, "stream 0 is the connection")
        if let index = find(key) {
            values[index] = value
            return
        }
        if (occupied + 1) * 4 > keys.count * 3 { grow() }
        var index = slot(key)
        while keys[index] != 0 { index = (index + 1) & (keys.count - 1) }
        keys[index] = key
        values[index] = value
        occupied += 1
    }

    @inlinable @discardableResult
    public mutating func removeValue(forKey key: Int32) -> Value? {
        guard let index = find(key) else { return nil }
        let value = values[index]
        remove(at: index)
        return value
    }

    @inlinable
    mutating func remove(_ key: Int32) {
        if let index = find(key) { remove(at: index) }
    }

    @inlinable
    mutating func remove(at removed: Int) {
        let mask = keys.count - 1
        var hole = removed
        var index = (removed + 1) & mask
        // Backward shift: an entry after the hole moves into it unless its home slot lies
        // cyclically between the hole and itself.
        while keys[index] != 0 {
            let home = slot(keys[index])
            let stays = hole <= index ? (hole < home && home <= index) : (hole < home || home <= index)
            if !stays {
                keys[hole] = keys[index]
                values[hole] = values[index]
                hole = index
            }
            index = (index + 1) & mask
        }
        keys[hole] = 0
        values[hole] = nil
        occupied -= 1
    }

    @usableFromInline
    mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        let capacity = max(8, oldKeys.count * 2)
        keys = Array(repeating: 0, count: capacity)
        values = Array(repeating: nil, count: capacity)
        occupied = 0
        for index in oldKeys.indices where oldKeys[index] != 0 { insert(oldKeys[index], oldValues[index]!) }
    }

    /// The values, in no particular order.
    @inlinable
    public var allValues: [Value] { values.compactMap { $0 } }
}
