/// Byte tests over eight bytes at once (a little-endian `UInt64` load), for the loops
/// that scan long runs of ordinary bytes.
///
/// Each returns a non-zero mask exactly when some byte matches; which bits are set above
/// the first match is unspecified, so callers only test for zero and then look bytewise.
@usableFromInline
enum SWAR {
    @usableFromInline static let ones: UInt64 = 0x0101_0101_0101_0101
    @usableFromInline static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Some byte is below 0x20 (a control byte, including HTAB, CR and LF).
    @inlinable @inline(__always)
    static func hasByteBelow0x20(_ w: UInt64) -> UInt64 {
        (w &- ones &* 0x20) & ~w & highs
    }

    /// Some byte is exactly 0x7F (DEL).
    @inlinable @inline(__always)
    static func hasByte0x7F(_ w: UInt64) -> UInt64 {
        let x = w ^ (ones &* 0x7F)
        return (x &- ones) & ~x & highs
    }

    /// Some byte equals `b`.
    @inlinable @inline(__always)
    static func hasByte(_ w: UInt64, _ b: UInt8) -> UInt64 {
        let x = w ^ (ones &* UInt64(b))
        return (x &- ones) & ~x & highs
    }

    /// A mask with the high bit of exactly those bytes that are ASCII letters, digits or
    /// `-` (the bytes of almost every header name), so `trailingZeroBitCount` of its
    /// complement counts the leading such bytes. Exact per byte: the sums are done on
    /// 7-bit values so no carry crosses into a neighbour.
    @inlinable @inline(__always)
    static func nameBytes(_ w: UInt64) -> UInt64 {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let x = w & low7
        let folded = x | ones &* 0x20
        let letters = (folded &+ ones &* (0x80 - 0x61)) & ~(folded &+ ones &* (0x7F - 0x7A))
        let digits = (x &+ ones &* (0x80 - 0x30)) & ~(x &+ ones &* (0x7F - 0x39))
        let h = x ^ (ones &* 0x2D)
        let hyphens = ~(((h & low7) &+ low7) | h)
        return (letters | digits | hyphens) & ~w & highs
    }

    /// Like `nameBytes`, for the common bytes of a host: ASCII letters, digits, `-` and `.`.
    @inlinable @inline(__always)
    static func hostBytes(_ w: UInt64) -> UInt64 {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let x = w & low7
        let folded = x | ones &* 0x20
        let letters = (folded &+ ones &* (0x80 - 0x61)) & ~(folded &+ ones &* (0x7F - 0x7A))
        // `-` through `9` is `-`, `.`, `/` and the digits; `/` is taken out again.
        let range = (x &+ ones &* (0x80 - 0x2D)) & ~(x &+ ones &* (0x7F - 0x39))
        let s = x ^ (ones &* 0x2F)
        let slashes = ~(((s & low7) &+ low7) | s)
        return (letters | (range & ~slashes)) & ~w & highs
    }
}
