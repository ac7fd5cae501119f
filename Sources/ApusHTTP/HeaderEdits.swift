/// A route's header rules as the serializers apply them: received fields to leave out, and
/// complete lines to write after the kept ones.
///
/// A borrowed view of bytes the caller owns (the compiled route's), valid only during the
/// call it is passed to. Building one scans the removed names once; a head is then
/// filtered with one bit test per recognised field and a name comparison per other field
/// only when some removed name is not one the parser recognises.
public struct HeaderEdits {
    /// Lowercase field names, each followed by one NUL byte.
    @usableFromInline let removedNames: UnsafeRawBufferPointer
    /// `Name: value\r\n` lines.
    @usableFromInline let addedLines: UnsafeRawBufferPointer
    /// Bit `n` is set when a removed name is `KnownHeader(rawValue: n)`.
    @usableFromInline let removedKnown: UInt64
    /// Whether some removed name is not a `KnownHeader` (fields the parser marked `.other`
    /// are compared by name only then).
    @usableFromInline let removesOther: Bool

    /// - Parameters:
    ///   - removedNames: lowercase tokens, each followed by a NUL byte.
    ///   - addedLines: complete field lines, each ending in CR LF, with validated values.
    public init(removedNames: UnsafeRawBufferPointer, addedLines: UnsafeRawBufferPointer) {
        self.removedNames = removedNames
        self.addedLines = addedLines
        var known: UInt64 = 0
        var other = false
        if let p = removedNames.baseAddress?.assumingMemoryBound(to: UInt8.self) {
            var start = 0
            for i in 0..<removedNames.count where p[i] == 0 {
                let kind = i > start ? KnownHeader.recognise(p, start, i &- start) : .other
                if kind == .other { other = true } else { known |= 1 << UInt64(kind.rawValue) }
                start = i &+ 1
            }
        }
        removedKnown = known
        removesOther = other
    }

    /// Whether the rules remove (or replace) fields of this recognised kind.
    @inlinable
    public func removes(_ known: KnownHeader) -> Bool {
        known != .other && removedKnown & (1 << UInt64(known.rawValue)) != 0
    }

    /// Whether a received field (name at `p[field.nameStart ..< field.nameEnd]`) is left out.
    @inlinable
    func removes(_ p: UnsafePointer<UInt8>, _ field: HeaderField) -> Bool {
        if field.known != .other { return removedKnown & (1 << UInt64(field.known.rawValue)) != 0 }
        guard removesOther else { return false }
        return isRemoved(p, Int(field.nameStart), Int(field.nameEnd))
    }

    /// Whether `p[start ..< end]` equals one of the removed names, ignoring ASCII case.
    @inlinable
    func isRemoved(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard let names = removedNames.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        let count = end &- start
        var i = 0
        while i < removedNames.count {
            var j = 0
            // Walk one name; a mismatch skips to its NUL.
            while j < count && names[i &+ j] != 0 {
                var b = p[start &+ j]
                if b &- 65 < 26 { b |= 0x20 }
                if b != names[i &+ j] { break }
                j &+= 1
            }
            if j == count && names[i &+ j] == 0 { return true }
            while names[i &+ j] != 0 { j &+= 1 }
            i &+= j &+ 1
        }
        return false
    }
}
