/// Reads the fields that decide whether a response may go downstream gzip-compressed:
/// Accept-Encoding on the request, Content-Encoding, Cache-Control and Content-Type on
/// the response. Pure functions on head bytes.
public enum ContentCoding {
    /// Whether the request accepts the `gzip` coding (RFC 9110 §12.5.3), its
    /// Accept-Encoding fields read as one list: `gzip` (or its alias `x-gzip`) with a
    /// weight above 0 accepts; listed with `q=0` refuses, whatever `*` says; not listed,
    /// `*` with a weight above 0 accepts. An element whose weight is not a valid qvalue
    /// counts as `q=0`. No Accept-Encoding field: no.
    public static func acceptsGzip(_ head: RequestHead, bytes: UnsafeRawBufferPointer) -> Bool {
        guard head.acceptEncodingIndex >= 0, let p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        var gzip = -1
        var any = -1
        for i in head.acceptEncodingIndex..<head.headers.count where head.headers[i].known == .acceptEncoding {
            let field = head.headers[i]
            weighCodings(p, Int(field.valueStart), Int(field.valueEnd), gzip: &gzip, any: &any)
        }
        return gzip >= 0 ? gzip > 0 : any > 0
    }

    /// `acceptsGzip` for one field value.
    public static func acceptsGzip(value: UnsafeRawBufferPointer) -> Bool {
        guard let p = value.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        var gzip = -1
        var any = -1
        weighCodings(p, 0, value.count, gzip: &gzip, any: &any)
        return gzip >= 0 ? gzip > 0 : any > 0
    }

    /// Whether a Content-Encoding field with a value is present: the body is encoded
    /// already and must pass as it is.
    public static func isEncoded(_ head: ResponseHead) -> Bool {
        head.headers.contains { $0.known == .contentEncoding && $0.valueEnd > $0.valueStart }
    }

    /// Whether a Cache-Control field holds the `no-transform` directive (RFC 9111 §5.2.2.6):
    /// an intermediary must not change the content coding.
    public static func forbidsTransform(_ head: ResponseHead, bytes: UnsafeRawBufferPointer) -> Bool {
        guard let p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        for field in head.headers where field.known == .cacheControl {
            if hasNoTransform(p, Int(field.valueStart), Int(field.valueEnd)) { return true }
        }
        return false
    }

    /// `forbidsTransform` for one field value.
    public static func forbidsTransform(value: UnsafeRawBufferPointer) -> Bool {
        guard let p = value.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        return hasNoTransform(p, 0, value.count)
    }

    /// The value of the first Content-Type field, as a view into `bytes`; nil when absent.
    public static func contentType(_ head: ResponseHead, bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        for field in head.headers where field.known == .contentType {
            return UnsafeRawBufferPointer(rebasing: bytes[Int(field.valueStart)..<Int(field.valueEnd)])
        }
        return nil
    }

    // MARK: Accept-Encoding

    /// Walks `#( codings [ OWS ";" OWS "q=" qvalue ] )`, raising `gzip` and `any` to the
    /// highest weight (in thousandths) given to gzip/x-gzip and to `*`.
    static func weighCodings(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, gzip: inout Int, any: inout Int) {
        var pos = start
        while pos < end {
            let b = p[pos]
            if b == comma || b == HTTPBytes.sp || b == HTTPBytes.htab { pos &+= 1; continue }
            let tokenStart = pos
            while pos < end && HTTPBytes.isTokenChar(p[pos]) { pos &+= 1 }
            let tokenEnd = pos
            var weight = tokenEnd > tokenStart ? 1000 : 0
            skipSpaces(p, &pos, end)
            while pos < end && p[pos] == semicolon {
                pos &+= 1
                skipSpaces(p, &pos, end)
                let nameStart = pos
                while pos < end && HTTPBytes.isTokenChar(p[pos]) { pos &+= 1 }
                let nameEnd = pos
                guard pos < end, p[pos] == equals else {
                    weight = 0
                    break
                }
                pos &+= 1
                let valueStart = pos
                skipValue(p, &pos, end)
                if nameEnd &- nameStart == 1 && p[nameStart] | 0x20 == UInt8(ascii: "q") {
                    weight = qvalue(p, valueStart, pos) ?? 0
                }
                skipSpaces(p, &pos, end)
            }
            if pos < end && p[pos] != comma {
                // Junk after the element: it accepts nothing.
                weight = 0
                while pos < end && p[pos] != comma { pos &+= 1 }
            }
            let length = tokenEnd &- tokenStart
            if HTTPBytes.equalsLowercase(p, tokenStart, length, "gzip") || HTTPBytes.equalsLowercase(p, tokenStart, length, "x-gzip") {
                gzip = max(gzip, weight)
            } else if length == 1 && p[tokenStart] == UInt8(ascii: "*") {
                any = max(any, weight)
            }
        }
    }

    /// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths.
    static func qvalue(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        guard start < end, end &- start <= 5 else { return nil }
        let first = p[start]
        guard first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return nil }
        var value = Int(first &- 48) * 1000
        guard start &+ 1 < end else { return value }
        guard p[start &+ 1] == UInt8(ascii: ".") else { return nil }
        var scale = 100
        var pos = start &+ 2
        while pos < end {
            guard HTTPBytes.isDigit(p[pos]) else { return nil }
            value &+= Int(p[pos] &- 48) * scale
            scale /= 10
            pos &+= 1
        }
        return value <= 1000 ? value : nil
    }

    // MARK: Cache-Control

    /// Walks `#( token [ "=" ( token / quoted-string ) ] )` looking for `no-transform`.
    static func hasNoTransform(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var pos = start
        while pos < end {
            let b = p[pos]
            if b == comma || b == HTTPBytes.sp || b == HTTPBytes.htab { pos &+= 1; continue }
            let nameStart = pos
            while pos < end && HTTPBytes.isTokenChar(p[pos]) { pos &+= 1 }
            let nameEnd = pos
            if nameEnd == nameStart { pos &+= 1; continue }
            skipSpaces(p, &pos, end)
            if pos < end && p[pos] == equals {
                pos &+= 1
                skipSpaces(p, &pos, end)
                skipValue(p, &pos, end)
            } else if HTTPBytes.equalsLowercase(p, nameStart, nameEnd &- nameStart, "no-transform") {
                return true
            }
            while pos < end && p[pos] != comma { pos &+= 1 }
        }
        return false
    }

    // MARK: Lexing

    static let comma = UInt8(ascii: ",")
    static let semicolon = UInt8(ascii: ";")
    static let equals = UInt8(ascii: "=")
    static let quote = UInt8(ascii: "\"")

    static func skipSpaces(_ p: UnsafePointer<UInt8>, _ pos: inout Int, _ end: Int) {
        while pos < end && (p[pos] == HTTPBytes.sp || p[pos] == HTTPBytes.htab) { pos &+= 1 }
    }

    /// A parameter or directive value: a quoted-string (with `\` escapes, so a quoted
    /// comma does not end the element) or a run of token bytes.
    static func skipValue(_ p: UnsafePointer<UInt8>, _ pos: inout Int, _ end: Int) {
        guard pos < end, p[pos] == quote else {
            while pos < end && HTTPBytes.isTokenChar(p[pos]) { pos &+= 1 }
            return
        }
        pos &+= 1
        while pos < end {
            let b = p[pos]
            if b == UInt8(ascii: "\\") { pos &+= 2; continue }
            pos &+= 1
            if b == quote { break }
        }
        pos = min(pos, end)
    }
}
