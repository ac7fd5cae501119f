/// An immutable open-addressing hash table from byte strings to route or host indices.
///
/// Built once by the compiler; looked up per request on raw bytes, so a lookup creates no
/// `String` and allocates nothing. Linear probing at a load factor of at most 1/2; keys
/// live back to back in one byte array. Keys are user configuration, not request data,
/// so the probe chains an attacker can reach are fixed at compile time.
///
/// With `foldsCase`, keys must be stored lowercase and lookups lowercase ASCII as they
/// hash and compare (hosts); otherwise bytes compare exactly (paths).
struct ByteKeyTable: Sendable {
    private struct Slot: Sendable {
        var hash: UInt64 = 0
        var offset: Int32 = 0
        var length: Int32 = 0
        /// -1 marks an empty slot.
        var value: Int32 = -1
    }

    private let slots: [Slot]
    private let keyBytes: [UInt8]
    private let mask: Int
    let foldsCase: Bool
    /// Length of the longest key, so prefix scans can stop early.
    let maxKeyLength: Int
    var isEmpty: Bool { maxKeyLength < 0 }

    /// - Parameter entries: distinct keys (the compiler removed duplicates) and their values.
    init(_ entries: [(key: [UInt8], value: Int)], foldsCase: Bool) {
        self.foldsCase = foldsCase
        var capacity = 2
        while capacity < entries.count * 2 { capacity <<= 1 }
        var slots = [Slot](repeating: Slot(), count: capacity)
        var keyBytes: [UInt8] = []
        var maxKeyLength = -1
        for (key, value) in entries {
            let hash = key.withUnsafeBytes { ByteKeyTable.hash($0, foldsCase: foldsCase) }
            var index = ByteKeyTable.slotIndex(hash, mask: capacity - 1)
            while slots[index].value >= 0 { index = (index + 1) & (capacity - 1) }
            slots[index] = Slot(hash: hash, offset: Int32(keyBytes.count), length: Int32(key.count), value: Int32(value))
            keyBytes.append(contentsOf: key)
            maxKeyLength = max(maxKeyLength, key.count)
        }
        self.slots = slots
        self.keyBytes = keyBytes
        self.mask = capacity - 1
        self.maxKeyLength = maxKeyLength
    }

    // FNV-1a: cheap on short keys, and incremental left to right, which lets the Prefix
    // scan probe every element boundary of a path while hashing it only once.
    static let initialHash: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always)
    static func step(_ hash: UInt64, _ byte: UInt8, foldsCase: Bool) -> UInt64 {
        (hash ^ UInt64(foldsCase ? lowercase(byte) : byte)) &* 0x0000_0100_0000_01b3
    }

    @inline(__always)
    static func lowercase(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }

    static func hash(_ bytes: UnsafeRawBufferPointer, foldsCase: Bool) -> UInt64 {
        var hash = initialHash
        for byte in bytes { hash = step(hash, byte, foldsCase: foldsCase) }
        return hash
    }

    @inline(__always)
    private static func slotIndex(_ hash: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: hash ^ (hash >> 31)) & mask
    }

    /// The value stored for `key`, or -1.
    func value(for key: UnsafeRawBufferPointer) -> Int {
        if key.count > maxKeyLength { return -1 }
        return value(forHash: ByteKeyTable.hash(key, foldsCase: foldsCase), key: key)
    }

    /// The value stored for `key` whose hash the caller already computed with `step`.
    func value(forHash hash: UInt64, key: UnsafeRawBufferPointer) -> Int {
        slots.withUnsafeBufferPointer { slots in
            var index = ByteKeyTable.slotIndex(hash, mask: mask)
            while true {
                let slot = slots[index]
                if slot.value < 0 { return -1 }
                if slot.hash == hash && Int(slot.length) == key.count && equals(slot, key) { return Int(slot.value) }
                index = (index + 1) & mask
            }
        }
    }

    private func equals(_ slot: Slot, _ key: UnsafeRawBufferPointer) -> Bool {
        keyBytes.withUnsafeBufferPointer { stored in
            let base = Int(slot.offset)
            for i in 0..<key.count {
                let byte = foldsCase ? ByteKeyTable.lowercase(key[i]) : key[i]
                if stored[base + i] != byte { return false }
            }
            return true
        }
    }
}
