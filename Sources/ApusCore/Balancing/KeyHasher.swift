/// A 64-bit hash of request keys and ring points: FNV-1a over the bytes, then MurmurHash3's
/// finalizer so that keys differing in their last byte still land far apart on the ring.
/// Stable across processes and versions of Swift (unlike `Hasher`), because every worker and
/// every controller replica must map a key to the same endpoint. Inlinable, so that the
/// workers' byte loops are specialized rather than generic.
public struct KeyHasher: Sendable {
    @usableFromInline var state: UInt64 = 0xcbf2_9ce4_8422_2325

    @inlinable public init() {}

    @inlinable @inline(__always)
    public mutating func add(_ byte: UInt8) {
        state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    @inlinable
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        var hash = state
        for offset in 0..<bytes.count {
            hash = (hash ^ UInt64(base.load(fromByteOffset: offset, as: UInt8.self))) &* 0x0000_0100_0000_01b3
        }
        state = hash
    }

    @inlinable
    public mutating func add<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        for byte in bytes { add(byte) }
    }

    @inlinable
    public mutating func add(_ number: UInt32) {
        var rest = number
        for _ in 0..<4 {
            add(UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        }
    }

    @inlinable
    public func finish() -> UInt64 {
        var mixed = state
        mixed ^= mixed >> 33
        mixed &*= 0xff51_afd7_ed55_8ccd
        mixed ^= mixed >> 33
        mixed &*= 0xc4ce_b9fe_1a85_ec53
        mixed ^= mixed >> 33
        return mixed
    }

    @inlinable
    public static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt64 {
        var hasher = KeyHasher()
        hasher.add(bytes)
        return hasher.finish()
    }
}
