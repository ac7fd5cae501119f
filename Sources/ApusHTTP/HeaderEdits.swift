/// What the serializers ask of a route's header rules. Generic, not an existential: the
/// serializers are specialised for `NoHeaderEdits`, whose answers are constants, so a head
/// without rules is written by the same instructions as before rules existed.
@usableFromInline
protocol HeaderFieldFilter {
    /// Whether a received field is left out.
    func removes(_ p: UnsafePointer<UInt8>, _ field: HeaderField) -> Bool
    /// Whether fields of this recognised kind are removed (or replaced).
    func removes(_ known: KnownHeader) -> Bool
    /// Writes the rules' own lines.
    func writeAddedLines(into out: inout ByteWriter)
    /// Whether a generated forwarding field (X-Forwarded-*, X-Real-IP) is replaced or removed.
    func replacesForwardingFields() -> Bool
}

/// No rules: nothing removed, nothing added.
@usableFromInline
struct NoHeaderEdits: HeaderFieldFilter {
    @inlinable init() {}
    @inlinable @inline(__always) func removes(_ p: UnsafePointer<UInt8>, _ field: HeaderField) -> Bool { false }
    @inlinable @inline(__always) func removes(_ known: KnownHeader) -> Bool { false }
    @inlinable @inline(__always) func writeAddedLines(into out: inout ByteWriter) {}
    @inlinable @inline(__always) func replacesForwardingFields() -> Bool { false }
}

/// A route's header rules as the serializers apply them: received fields to leave out, and
/// complete lines to write after the kept ones.
///
/// A borrowed view of bytes the caller owns (the compiled route's), valid only during the
/// call it is passed to. Building one scans the removed names once; a head is then
/// filtered with one bit test per recognised field and a name comparison per other field
/// only when some removed name is not one the parser recognises.
public struct HeaderEdits: HeaderFieldFilter {
    /// Lowercase field names, each preceded by its length in one byte.
    @usableFromInline let removedNames: UnsafeRawBufferPointer
    /// `Name: value\r\n` lines.
    @usableFromInline let addedLines: UnsafeRawBufferPointer
    /// Bit `n` is set when a removed name is `KnownHeader(rawValue: n)`.
    @usableFromInline let removedKnown: UInt64
    /// Bit `min(n, 63)` is set when a removed name of `n` bytes is not a `KnownHeader`:
    /// a field the parser marked `.other` is compared by name only when its length's bit
    /// is set, so most fields cost one test even on routes that remove unusual names.
    @usableFromInline let otherLengths: UInt64

    /// - Parameters:
    ///   - removedNames: lowercase tokens, each preceded by its length in one byte.
    ///   - addedLines: complete field lines, each ending in CR LF, with validated values.
    public init(removedNames: UnsafeRawBufferPointer, addedLines: UnsafeRawBufferPointer) {
        let summary = Self.summary(of: removedNames)
        self.init(removedNames: removedNames, addedLines: addedLines, summary: summary)
    }

    /// With the names' summary computed once beforehand (a compiled route keeps it), so a
    /// request does not scan the names again.
    @inlinable
    public init(removedNames: UnsafeRawBufferPointer, addedLines: UnsafeRawBufferPointer, summary: Summary) {
        self.removedNames = removedNames
        self.addedLines = addedLines
        removedKnown = summary.known
        otherLengths = summary.otherLengths
    }

    /// Which recognised kinds the names remove (bit `n` for `KnownHeader(rawValue: n)`),
    /// and the lengths of the names that are not recognised (bit `min(length, 63)`).
    public struct Summary: Sendable, Equatable {
        public let known: UInt64
        public let otherLengths: UInt64
    }

    public static func summary(of removedNames: UnsafeRawBufferPointer) -> Summary {
        var known: UInt64 = 0
        var otherLengths: UInt64 = 0
        if let p = removedNames.baseAddress?.assumingMemoryBound(to: UInt8.self) {
            var i = 0
            while i < removedNames.count {
                let count = Int(p[i])
                let kind = count > 0 ? KnownHeader.recognise(p, i &+ 1, count) : .other
                if kind == .other { otherLengths |= 1 << UInt64(min(count, 63)) } else { known |= 1 << UInt64(kind.rawValue) }
                i &+= 1 &+ count
            }
        }
        return Summary(known: known, otherLengths: otherLengths)
    }

    /// Whether the rules remove (or replace) fields of this recognised kind.
    @inlinable
    public func removes(_ known: KnownHeader) -> Bool {
        known != .other && removedKnown & (1 << UInt64(known.rawValue)) != 0
    }

    @inlinable
    func writeAddedLines(into out: inout ByteWriter) {
        out.bytes(addedLines)
    }

    @inlinable
    func replacesForwardingFields() -> Bool {
        let forwarding: UInt64 = 1 << UInt64(KnownHeader.xForwardedFor.rawValue) | 1 << UInt64(KnownHeader.xForwardedProto.rawValue)
            | 1 << UInt64(KnownHeader.xForwardedHost.rawValue) | 1 << UInt64(KnownHeader.xForwardedPort.rawValue)
            | 1 << UInt64(KnownHeader.xRealIP.rawValue)
        return removedKnown & forwarding != 0
    }

    /// Whether a received field (name at `p[field.nameStart ..< field.nameEnd]`) is left out.
    @inlinable
    func removes(_ p: UnsafePointer<UInt8>, _ field: HeaderField) -> Bool {
        if field.known != .other { return removedKnown & (1 << UInt64(field.known.rawValue)) != 0 }
        let count = Int(field.nameEnd &- field.nameStart)
        guard otherLengths & (1 << UInt64(min(count, 63))) != 0 else { return false }
        return isRemoved(p, Int(field.nameStart), Int(field.nameEnd))
    }

    /// Whether `p[start ..< end]` equals one of the removed names, ignoring ASCII case.
    @inlinable
    func isRemoved(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard let names = removedNames.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        let count = end &- start
        var i = 0
        while i < removedNames.count {
            let length = Int(names[i])
            if length == count {
                var j = 0
                while j < count {
                    var b = p[start &+ j]
                    if b &- 65 < 26 { b |= 0x20 }
                    if b != names[i &+ 1 &+ j] { break }
                    j &+= 1
                }
                if j == count { return true }
            }
            i &+= 1 &+ length
        }
        return false
    }
}
