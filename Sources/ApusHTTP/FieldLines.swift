/// Parses the field lines of a complete head strictly and derives the framing semantics
/// both directions share (Content-Length, Transfer-Encoding, Connection tokens).
@usableFromInline
enum FieldLines {
    /// Parses field lines from `pos` up to and including the blank line that ends at `end`
    /// (the index after the head's final LF), appending to `headers`.
    ///
    /// `p[end-4 ..< end]` must be the head's terminating `CR LF CR LF` (the head scanner
    /// guarantees it): every loop below stops at a CR at the latest, so none needs a
    /// bounds check of its own.
    /// - Returns: nil on success, or the first fault.
    @inlinable
    static func parse(
        _ p: UnsafePointer<UInt8>, from start: Int, end: Int, maxCount: Int,
        into headers: inout [HeaderField]
    ) -> HTTPParseError? {
        var pos = start
        var isFirst = true
        while pos < end {
            let first = p[pos]
            if first == HTTPBytes.cr {
                // The blank line: the scanner guarantees the head ends right after it.
                if pos &+ 1 < end && p[pos &+ 1] == HTTPBytes.lf && pos &+ 2 == end {
                    return nil
                }
                return HTTPParseError(.bareCR, at: pos)
            }
            if first == HTTPBytes.lf { return HTTPParseError(.bareLF, at: pos) }
            if first == HTTPBytes.sp || first == HTTPBytes.htab {
                // A continuation line (obs-fold), or whitespace before the first field.
                return HTTPParseError(isFirst ? .invalidHeaderName : .obsFold, at: pos)
            }
            isFirst = false
            // Name: token bytes up to the colon (a CR stops the scan before `end`).
            let nameStart = pos
            // Letters, digits and `-` eight at a time; other token bytes (and the colon)
            // are looked at one by one.
            while end &- pos >= 8 {
                let ok = SWAR.nameBytes(UnsafeRawPointer(p + pos).loadUnaligned(as: UInt64.self))
                if ok == SWAR.highs { pos &+= 8; continue }
                pos &+= (~ok & SWAR.highs).trailingZeroBitCount >> 3
                break
            }
            while HTTPBytes.isTokenChar(p[pos]) { pos &+= 1 }
            let stop = p[pos]
            if stop != HTTPBytes.colon || pos == nameStart {
                if stop == HTTPBytes.sp || stop == HTTPBytes.htab {
                    return HTTPParseError(.whitespaceBeforeColon, at: pos)
                }
                return HTTPParseError(.invalidHeaderName, at: pos)
            }
            let nameEnd = pos
            pos &+= 1
            // Leading OWS.
            while p[pos] == HTTPBytes.sp || p[pos] == HTTPBytes.htab { pos &+= 1 }
            let valueStart = pos
            // Value: eight bytes at a time while none is a control byte or DEL (the CR
            // ending the value is a control byte, so the word holding it goes bytewise).
            while end &- pos >= 8 {
                let w = UnsafeRawPointer(p + pos).loadUnaligned(as: UInt64.self)
                let special = SWAR.hasByteBelow0x20(w) | SWAR.hasByte0x7F(w)
                if special != 0 {
                    // The lowest flagged byte is exact: start the bytewise look there.
                    pos &+= special.trailingZeroBitCount >> 3
                    break
                }
                pos &+= 8
            }
            while true {
                let b = p[pos]
                if b == HTTPBytes.cr { break }
                if b == HTTPBytes.lf { return HTTPParseError(.bareLF, at: pos) }
                guard HTTPBytes.isFieldValueChar(b) else { return HTTPParseError(.invalidHeaderValue, at: pos) }
                pos &+= 1
            }
            // The CR is before the terminator's last byte, so `pos + 1` is inside the head.
            if p[pos &+ 1] != HTTPBytes.lf { return HTTPParseError(.bareCR, at: pos) }
            var valueEnd = pos
            while valueEnd > valueStart
                && (p[valueEnd &- 1] == HTTPBytes.sp || p[valueEnd &- 1] == HTTPBytes.htab) {
                valueEnd &-= 1
            }
            pos &+= 2
            if headers.count >= maxCount { return HTTPParseError(.tooManyHeaders, at: nameStart) }
            headers.append(HeaderField(
                nameStart: Int32(truncatingIfNeeded: nameStart), nameEnd: Int32(truncatingIfNeeded: nameEnd),
                valueStart: Int32(truncatingIfNeeded: valueStart), valueEnd: Int32(truncatingIfNeeded: valueEnd),
                known: KnownHeader.recognise(p, nameStart, nameEnd &- nameStart)))
        }
        return HTTPParseError(.bareCR, at: pos)
    }

    /// Parses one Content-Length value: `1*DIGIT`, or a list of identical such values
    /// (`5, 5`). At most 18 digits, so the value fits an Int64 with room to spare.
    @inlinable
    static func contentLength(_ p: UnsafePointer<UInt8>, _ field: HeaderField) -> Int64? {
        var pos = Int(field.valueStart)
        let end = Int(field.valueEnd)
        var result: Int64 = -1
        while true {
            var value: Int64 = 0
            var digits = 0
            while pos < end {
                let b = p[pos]
                guard HTTPBytes.isDigit(b) else { break }
                digits &+= 1
                if digits > 18 { return nil }
                value = value &* 10 &+ Int64(b &- 48)
                pos &+= 1
            }
            if digits == 0 { return nil }
            if result >= 0 && result != value { return nil }
            result = value
            if pos == end { return result }
            // `, ` between list elements.
            while pos < end, p[pos] == HTTPBytes.sp
                || p[pos] == HTTPBytes.htab { pos &+= 1 }
            guard pos < end, p[pos] == 44 else { return nil }
            pos &+= 1
            while pos < end, p[pos] == HTTPBytes.sp
                || p[pos] == HTTPBytes.htab { pos &+= 1 }
        }
    }

    /// Calls `body` with the start and end of each non-empty element of a comma-separated
    /// token list (`#token` with optional `;params`, which are passed as part of the element
    /// end check: the element is the token only, `hasParams` tells whether params followed).
    /// - Returns: false when an element is not a token (optionally followed by `;...`).
    @inlinable
    static func forEachToken(
        _ p: UnsafePointer<UInt8>, _ field: HeaderField,
        _ body: (_ start: Int, _ end: Int, _ hasParams: Bool) -> Bool
    ) -> Bool {
        var pos = Int(field.valueStart)
        let end = Int(field.valueEnd)
        while pos < end {
            var b = p[pos]
            if b == 44 || b == HTTPBytes.sp || b == HTTPBytes.htab { pos &+= 1; continue }
            let start = pos
            while pos < end {
                b = p[pos]
                if !HTTPBytes.isTokenChar(b) { break }
                pos &+= 1
            }
            if pos == start { return false }
            let tokenEnd = pos
            while pos < end {
                b = p[pos]
                if b != HTTPBytes.sp && b != HTTPBytes.htab { break }
                pos &+= 1
            }
            var hasParams = false
            if pos < end && p[pos] == 59 {
                hasParams = true
                // Parameters run to the next comma (quoted commas are not expected in the
                // lists parsed here; a stray one only splits a parameter we ignore anyway).
                while pos < end && p[pos] != 44 { pos &+= 1 }
            } else if pos < end && p[pos] != 44 {
                return false
            }
            if !body(start, tokenEnd, hasParams) { return false }
        }
        return true
    }
}
