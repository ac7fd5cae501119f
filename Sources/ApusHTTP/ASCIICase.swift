/// ASCII case folding for byte strings that are not literals (a Host against an
/// `:authority`, a field value against a word): letters compare without case, every other
/// byte exactly.
public enum ASCIICase {
    public static func equal<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { lower($0) == lower($1) }
    }

    @inline(__always)
    public static func lower(_ byte: UInt8) -> UInt8 {
        byte &- 65 < 26 ? byte | 0x20 : byte
    }

    /// The bytes lowercased, in an array allocated once at its size (`map` grows one).
    /// Inlinable so that the array's allocation is specialized where it is called.
    @inlinable
    public static func lowered(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        // A copy, then folded in place: the copy's allocation finds the array's storage type
        // at once, where `init(repeating:count:)` and `unsafeUninitializedCapacity` look it
        // up in the runtime's metadata cache (about 250 instructions each, measured).
        var lowered = Array(bytes)
        lowered.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] = lower(buffer[index]) }
        }
        return lowered
    }
}
