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
}
