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

    /// Case-insensitive comparison of `p[start ..< start + literal.count]` with a lowercase
    /// literal of letters, digits and `-` (at least 2 bytes, at most 24), a word at a time.
    ///
    /// The bytes compared must hold no control bytes (a token, or a validated field value;
    /// the caller has checked the length): setting bit 0x20 lowercases a letter and maps
    /// onto a letter, digit or `-` only that character itself, its other case or a control
    /// byte, so one OR per word folds case exactly.
    @inlinable @inline(__always)
    static func equalsFolded(_ p: UnsafePointer<UInt8>, _ start: Int, _ literal: StaticString) -> Bool {
        let name = UnsafeRawPointer(p + start)
        let n = literal.utf8CodeUnitCount
        let l = UnsafeRawPointer(literal.utf8Start)
        if n >= 8 {
            let fold: UInt64 = 0x2020_2020_2020_2020
            if name.loadUnaligned(as: UInt64.self) | fold != l.loadUnaligned(as: UInt64.self) { return false }
            if n > 16 && name.loadUnaligned(fromByteOffset: 8, as: UInt64.self) | fold
                != l.loadUnaligned(fromByteOffset: 8, as: UInt64.self) { return false }
            return name.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self) | fold
                == l.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
        }
        if n >= 4 {
            let fold: UInt32 = 0x2020_2020
            return name.loadUnaligned(as: UInt32.self) | fold == l.loadUnaligned(as: UInt32.self)
                && name.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self) | fold
                    == l.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
        }
        return name.loadUnaligned(as: UInt16.self) | 0x2020 == l.loadUnaligned(as: UInt16.self)
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
    /// Looks at eight bytes at a time for an LF that could end the terminator, and checks
    /// only those candidates.
    @inlinable
    static func findHeadEnd(_ p: UnsafePointer<UInt8>, from: Int, count: Int) -> Int? {
        // Candidate LFs are at `from + 3` or later, so `p[j - 3]` stays inside the range.
        var i = from &+ 3
        while count &- i >= 8 {
            var m = SWAR.hasByte(UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self), lf)
            if m == 0 {
                // No LF in these 8 bytes: a terminator ending at `i + 8` or `i + 9` would
                // need one at `i + 6` or `i + 7`, so the next candidate is at `i + 10`.
                i &+= 10
                continue
            }
            // The lowest flagged byte is an LF; higher flags may be false, and the check
            // below rejects those too.
            while m != 0 {
                let j = i &+ m.trailingZeroBitCount >> 3
                if p[j] == lf && p[j &- 1] == cr && p[j &- 2] == lf && p[j &- 3] == cr {
                    return j &+ 1
                }
                m &= m &- 1
            }
            i &+= 8
        }
        while i < count {
            if p[i] == lf && p[i &- 1] == cr && p[i &- 2] == lf && p[i &- 3] == cr {
                return i &+ 1
            }
            i &+= 1
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
