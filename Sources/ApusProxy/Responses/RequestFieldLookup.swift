import ApusHTTP

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
        for field in fields where field.nameEnd &- field.nameStart == 6 {
            guard matches("cookie".utf8, at: Int(field.nameStart), in: raw, folding: { $0 | 0x20 }) else { continue }
            if let value = pairValue(name, in: UnsafeRawBufferPointer(rebasing: raw[Int(field.valueStart)..<Int(field.valueEnd)]),
                                     separator: UInt8(ascii: ";")) {
                return value
            }
        }
        return nil
    }

    /// The value after `name=` among `separator`-separated pairs (spaces before a name
    /// skipped). `name` is lowercase: nginx's `$cookie_NAME` and `$arg_NAME` ignore case.
    static func pairValue<Name: Collection<UInt8>>(_ name: Name, in text: UnsafeRawBufferPointer, separator: UInt8) -> UnsafeRawBufferPointer? {
        var pair = 0
        while pair < text.count {
            while pair < text.count && text[pair] == 0x20 { pair &+= 1 }
            var end = pair
            while end < text.count && text[end] != separator { end &+= 1 }
            let equals = pair &+ name.count
            if equals < end && text[equals] == UInt8(ascii: "=") && matches(name, at: pair, in: text, folding: TemplateRequest.lowercase) {
                return UnsafeRawBufferPointer(rebasing: text[(equals &+ 1)..<end])
            }
            pair = end &+ 1
        }
        return nil
    }
}
