/// Values by stream id (or any nonzero `Int32` key): open addressing with linear probing
/// and a multiplicative hash. A connection's few streams are looked up several times per
/// request, and `Dictionary`'s seeded hashing cost more than the rest of each lookup.
///
/// Keys are never 0 (stream 0 is the connection itself), so 0 marks a free slot; a
/// removal shifts the run after it back, so there are no tombstones.
public struct HTTP2StreamMap<Value> {
    private var keys: [Int32]
    private var values: [Value?]
    public private(set) var count = 0

    public init() {
        keys = Array(repeating: 0, count: 8)
        values = Array(repeating: nil, count: 8)
    }

    public var isEmpty: Bool { count == 0 }

    @inline(__always)
    private func slot(_ key: Int32) -> Int {
        Int(truncatingIfNeeded: (UInt32(bitPattern: key) &* 0x9E37_79B1) >> 8) & (keys.count - 1)
    }

    private func find(_ key: Int32) -> Int? {
        var index = slot(key)
        while keys[index] != 0 {
            if keys[index] == key { return index }
            index = (index + 1) & (keys.count - 1)
        }
        return nil
    }

    public subscript(key: Int32) -> Value? {
        get { find(key).flatMap { values[$0] } }
        set {
            if let newValue { insert(key, newValue) } else { remove(key) }
        }
    }

    /// Changes the value of `key` in place; false when the key is absent.
    @discardableResult
    public mutating func modify(_ key: Int32, _ change: (inout Value) -> Void) -> Bool {
        guard let index = find(key) else { return false }
        change(&values[index]!)
        return true
    }

    private mutating func insert(_ key: Int32, _ value: Value) {
        precondition(key != 0, "stream 0 is the connection")
        if let index = find(key) {
            values[index] = value
            return
        }
        if (count + 1) * 4 > keys.count * 3 { grow() }
        var index = slot(key)
        while keys[index] != 0 { index = (index + 1) & (keys.count - 1) }
        keys[index] = key
        values[index] = value
        count += 1
    }

    @discardableResult
    public mutating func removeValue(forKey key: Int32) -> Value? {
        guard let index = find(key) else { return nil }
        let value = values[index]
        remove(at: index)
        return value
    }

    private mutating func remove(_ key: Int32) {
        if let index = find(key) { remove(at: index) }
    }

    private mutating func remove(at removed: Int) {
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
        count -= 1
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        values = Array(repeating: nil, count: oldKeys.count * 2)
        count = 0
        for index in oldKeys.indices where oldKeys[index] != 0 { insert(oldKeys[index], oldValues[index]!) }
    }

    /// The values, in no particular order.
    public var allValues: [Value] { values.compactMap { $0 } }
}
