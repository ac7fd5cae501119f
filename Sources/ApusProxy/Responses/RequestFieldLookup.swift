import ApusCore
import ApusHTTP
import Glibc

/// Finds a request field's or a cookie's value among a parsed head's fields, in place
/// (callers pass `exchange.head.headers.withUnsafeBufferPointer`: a copy of the head would
/// cost a retain and release of its field array).
enum RequestFieldLookup {
    /// The value of the first field called `name` (lowercase).
    static func value<Name: Collection<UInt8>>(named name: Name, in fields: UnsafeBufferPointer<HeaderField>,
                                               _ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        let count = name.count
        for field in fields where Int(field.nameEnd &- field.nameStart) == count
            && matches(name, at: Int(field.nameStart), in: raw, folding: TemplateRequest.lowercase) {
            return UnsafeRawBufferPointer(rebasing: raw[Int(field.valueStart)..<Int(field.valueEnd)])
        }
        return nil
    }

    /// Whether the bytes of `raw` at `start`, folded, are `name`.
    @inline(__always)
    private static func matches<Name: Collection<UInt8>>(_ name: Name, at start: Int, in raw: UnsafeRawBufferPointer,
                                                         folding fold: (UInt8) -> UInt8) -> Bool {
        var offset = start
        for byte in name {
            guard fold(raw[offset]) == byte else { return false }
            offset &+= 1
        }
        return true
    }

    /// One cookie's value from the Cookie fields (`a=1; b=2`); `name` is lowercase.
    static func cookie<Name: Collection<UInt8>>(named name: Name, in fields: UnsafeBufferPointer<HeaderField>,
                                                _ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        cookieField(in: fields, raw) { pairValue(name, in: $0, separator: UInt8(ascii: ";")) }
    }

    /// The value of the cookie whose `name=` is `prefix`, matched as written (case and all):
    /// ingress-nginx's affinity reads its cookie so. Found with memchr on its first byte and
    /// memcmp, which skip other cookies' values at vector speed.
    /// - Parameter usualLength: the length most values have; such a value's end is checked
    ///   rather than searched for.
    static func cookie(prefix: UnsafeRawBufferPointer, usualLength: Int, in fields: UnsafeBufferPointer<HeaderField>,
                       _ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        cookieField(in: fields, raw) { cookie(prefix: prefix, usualLength: usualLength, inField: $0) }
    }

    /// `cookie(prefix:usualLength:in:_:)` in one Cookie field's value.
    static func cookie(prefix: UnsafeRawBufferPointer, usualLength: Int, inField text: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard let base = text.baseAddress, let needle = prefix.baseAddress, !prefix.isEmpty else { return nil }
        let first = Int32(needle.load(as: UInt8.self))
        var from = 0
        while text.count &- from >= prefix.count, let hit = memchr(base + from, first, text.count &- from &- prefix.count &+ 1) {
            let start = base.distance(to: UnsafeRawPointer(hit))
            guard memcmp(hit, needle, prefix.count) == 0 else {
                from = start &+ 1
                continue
            }
            // A whole name: at the start of the field or after a separator.
            if start == 0 || base.load(fromByteOffset: start &- 1, as: UInt8.self) == 0x20
                || base.load(fromByteOffset: start &- 1, as: UInt8.self) == UInt8(ascii: ";") {
                let value = start &+ prefix.count
                let usual = value &+ usualLength
                if usual == text.count || usual < text.count && base.load(fromByteOffset: usual, as: UInt8.self) == UInt8(ascii: ";") {
                    return UnsafeRawBufferPointer(start: base + value, count: usualLength)
                }
                let end = memchr(base + value, Int32(UInt8(ascii: ";")), text.count &- value).map { base.distance(to: UnsafeRawPointer($0)) } ?? text.count
                return UnsafeRawBufferPointer(start: base + value, count: end &- value)
            }
            from = start &+ 1
        }
        return nil
    }

    /// The first value `find` finds in a Cookie field.
    @inline(__always)
    private static func cookieField(in fields: UnsafeBufferPointer<HeaderField>, _ raw: UnsafeRawBufferPointer,
                                    _ find: (UnsafeRawBufferPointer) -> UnsafeRawBufferPointer?) -> UnsafeRawBufferPointer? {
        for field in fields where field.known == .cookie {
            if let value = find(UnsafeRawBufferPointer(rebasing: raw[Int(field.valueStart)..<Int(field.valueEnd)])) {
                return value
            }
        }
        return nil
    }

    /// The value after `name=` among `separator`-separated pairs (spaces before a name
    /// skipped). `name` is lowercase: nginx's `$cookie_NAME` and `$arg_NAME` ignore case.
    static func pairValue<Name: Collection<UInt8>>(_ name: Name, in text: UnsafeRawBufferPointer, separator: UInt8) -> UnsafeRawBufferPointer? {
        guard let base = text.baseAddress else { return nil }
        let count = text.count
        let nameCount = name.count
        var pair = 0
        while pair < count {
            while pair < count && base.load(fromByteOffset: pair, as: UInt8.self) == 0x20 { pair &+= 1 }
            // The pair's end by memchr: a Cookie field is mostly other cookies' values.
            let end = memchr(base + pair, Int32(separator), count &- pair).map { base.distance(to: UnsafeRawPointer($0)) } ?? count
            let sign = pair &+ nameCount
            if sign < end && base.load(fromByteOffset: sign, as: UInt8.self) == UInt8(ascii: "=")
                && matches(name, at: pair, in: text, folding: TemplateRequest.lowercase) {
                return UnsafeRawBufferPointer(start: base + (sign &+ 1), count: end &- sign &- 1)
            }
            pair = end &+ 1
        }
        return nil
    }
}
