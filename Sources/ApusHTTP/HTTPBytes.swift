/// Byte classes and small byte-level helpers shared by the parsers and the serializer.
///
/// Classes are bit masks in the code (no global tables), so a lookup is a shift and a
/// test with no lazy-initialisation check on the hot path.
@usableFromInline
enum HTTPBytes {
    @usableFromInline static let cr: UInt8 = 13
    @usableFromInline static let lf: UInt8 = 10
    @usableFromInline static let sp: UInt8 = 32
    @usableFromInline static let htab: UInt8 = 9
    @usableFromInline static let colon: UInt8 = 58

    /// RFC 9110 `tchar`: the bytes allowed in methods, header names and codings.
    @inlinable @inline(__always)
    static func isTokenChar(_ b: UInt8) -> Bool {
        // ! # $ % & ' * + - . 0-9
        let low: UInt64 = 0x03FF_6CFA_0000_0000
        // A-Z ^ _ ` a-z | ~
        let high: UInt64 = 0x57FF_FFFF_C7FF_FFFE
        if b < 64 { return (low >> UInt64(b)) & 1 == 1 }
        if b < 128 { return (high >> UInt64(b &- 64)) & 1 == 1 }
        return false
    }

    /// Bytes allowed inside a field value: HTAB, SP, VCHAR and obs-text (no controls, no DEL).
    @inlinable @inline(__always)
    static func isFieldValueChar(_ b: UInt8) -> Bool {
        (b >= 0x20 && b != 0x7F) || b == htab
    }

    @inlinable @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }

    /// The value of a hex digit, or nil.
    @inlinable @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8? {
        if b &- 48 < 10 { return b &- 48 }
        let l = b | 0x20
        if l &- 97 < 6 { return l &- 87 }
        return nil
    }

    /// Case-insensitive comparison of `p[start ..< start+count]` with a lowercase ASCII literal
    /// made of letters, digits and `-` (the `| 0x20` fold is exact on token bytes).
    @inlinable @inline(__always)
    static func equalsLowercase(_ p: UnsafePointer<UInt8>, _ start: Int, _ count: Int, _ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        let l = literal.utf8Start
        var i = 0
        while i < count {
            let b = p[start &+ i]
            let folded = (b &- 65 < 26) ? b | 0x20 : b
            if folded != l[i] { return false }
            i &+= 1
        }
        return true
    }

    /// Exact comparison of `p[start ..< start+count]` with an ASCII literal.
    @inlinable @inline(__always)
    static func equalsExact(_ p: UnsafePointer<UInt8>, _ start: Int, _ count: Int, _ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        let l = literal.utf8Start
        var i = 0
        while i < count {
            if p[start &+ i] != l[i] { return false }
            i &+= 1
        }
        return true
    }

    /// Case-insensitive comparison of two byte ranges of the same buffer.
    @inlinable
    static func equalsCaseInsensitive(_ p: UnsafePointer<UInt8>, _ a: Int, _ aEnd: Int, _ b: Int, _ bEnd: Int) -> Bool {
        guard aEnd &- a == bEnd &- b else { return false }
        var i = 0
        while a &+ i < aEnd {
            var x = p[a &+ i]
            var y = p[b &+ i]
            if x &- 65 < 26 { x |= 0x20 }
            if y &- 65 < 26 { y |= 0x20 }
            if x != y { return false }
            i &+= 1
        }
        return true
    }

    /// Finds the end (index after the final LF) of the first `CR LF CR LF` in `p[from ..< count]`.
    ///
    /// Skips 4 bytes whenever the probed byte is neither CR nor LF: such a byte cannot be
    /// part of the terminator, so no terminator ends within the next 4 positions.
    @inlinable
    static func findHeadEnd(_ p: UnsafePointer<UInt8>, from: Int, count: Int) -> Int? {
        var i = from &+ 3
        while i < count {
            let b = p[i]
            if b == lf {
                if p[i &- 1] == cr
                    && p[i &- 2] == lf
                    && p[i &- 3] == cr {
                    return i &+ 1
                }
                i &+= 1
            } else if b == cr {
                i &+= 1
            } else {
                i &+= 4
            }
        }
        return nil
    }

    /// Index of the first LF in `p[from ..< end]`, or nil.
    @inlinable
    static func firstLF(_ p: UnsafePointer<UInt8>, from: Int, end: Int) -> Int? {
        var i = from
        while i < end {
            if p[i] == lf { return i }
            i &+= 1
        }
        return nil
    }
}
