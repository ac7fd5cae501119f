/// A 64-bit hash of request keys and ring points: FNV-1a over the bytes, then MurmurHash3's
/// finalizer so that keys differing in their last byte still land far apart on the ring.
/// Stable across processes and versions of Swift (unlike `Hasher`), because every worker and
/// every controller replica must map a key to the same endpoint.
public struct KeyHasher: Sendable {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    @inline(__always)
    public mutating func add(_ byte: UInt8) {
        state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    @inline(__always)
    public mutating func add<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        for byte in bytes { add(byte) }
    }

    public mutating func add(_ number: UInt32) {
        var rest = number
        for _ in 0..<4 {
            add(UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        }
    }

    public func finish() -> UInt64 {
        var mixed = state
        mixed ^= mixed >> 33
        mixed &*= 0xff51_afd7_ed55_8ccd
        mixed ^= mixed >> 33
        mixed &*= 0xc4ce_b9fe_1a85_ec53
        mixed ^= mixed >> 33
        return mixed
    }

    public static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt64 {
        var hasher = KeyHasher()
        hasher.add(bytes)
        return hasher.finish()
    }
}
