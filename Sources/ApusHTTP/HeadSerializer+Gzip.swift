extension HeadSerializer {
    /// Appends the head of a response that Apus gzip-compresses on its way to an HTTP/1.1
    /// downstream. Like `writeDownstreamResponse` with `.chunked` framing (hop-by-hop and
    /// framing fields dropped, `Connection: close` unless `keepAlive`), and further:
    ///
    /// - `Content-Encoding: gzip` is added;
    /// - `Content-Length` and `Accept-Ranges` go: the compressed length is not known ahead,
    ///   and byte ranges of the compressed form are not served;
    /// - a strong `ETag` is weakened to `W/"…"` (a strong validator promises these exact
    ///   bytes, which the compressor changes; a weak one still revalidates, as nginx does);
    ///   a value that is neither weak nor quoted is dropped;
    /// - `Accept-Encoding` joins `Vary`: appended to the first Vary field, or in a Vary
    ///   field of its own, unless a Vary field already lists it or `*`.
    ///
    /// `edits` (the route's response header rules) apply as in `writeDownstreamResponse`;
    /// the fields the compression needs (Content-Encoding, Vary, framing) are written anyway.
    ///
    /// Not on the uncompressed path, so it favours plainness over speed.
    public static func writeGzipResponse(_ head: ResponseHead, bytes: UnsafeRawBufferPointer, keepAlive: Bool,
                                         edits: HeaderEdits? = nil, into out: inout HeadBuffer) {
        guard let p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        func kept(_ field: HeaderField) -> Bool {
            !(edits?.removes(p, field) ?? false)
        }
        func append(_ start: Int32, _ end: Int32) {
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[Int(start)..<Int(end)]))
        }
        func append(_ text: StaticString) {
            out.append(contentsOf: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }
        var bound = 256 &+ Int(head.reasonEnd &- head.reasonStart) &+ (edits?.addedLines.count ?? 0)
        for field in head.headers {
            bound &+= Int(field.nameEnd &- field.nameStart) &+ Int(field.valueEnd &- field.valueStart) &+ 6
        }
        out.reserveCapacity(out.count &+ bound)

        let varyCovered = head.headers.contains { isVary(p, $0) && kept($0) && varyListsAcceptEncoding(p, $0) }
        var varyWritten = varyCovered
        append("HTTP/1.1 ")
        var status = head.status
        var digits: (UInt8, UInt8, UInt8) = (0, 0, 0)
        digits.2 = UInt8(status % 10) &+ 48; status /= 10
        digits.1 = UInt8(status % 10) &+ 48; status /= 10
        digits.0 = UInt8(status % 10) &+ 48
        out.append(digits.0)
        out.append(digits.1)
        out.append(digits.2)
        out.append(HTTPBytes.sp)
        append(head.reasonStart, head.reasonEnd)
        append("\r\n")
        for field in head.headers where kept(field) {
            switch field.known {
            case .connection, .keepAlive, .proxyConnection, .te, .trailer, .transferEncoding, .contentLength, .upgrade, .contentEncoding:
                continue
            case .other:
                if field.listedInConnection { continue }
                let nameLength = Int(field.nameEnd &- field.nameStart)
                let name = Int(field.nameStart)
                if nameLength == 13 && HTTPBytes.equalsLowercase(p, name, nameLength, "accept-ranges") { continue }
                if nameLength == 4 && HTTPBytes.equalsLowercase(p, name, nameLength, "etag") {
                    let value = Int(field.valueStart)
                    let weak = field.valueEnd &- field.valueStart >= 2 && p[value] == UInt8(ascii: "W") && p[value &+ 1] == UInt8(ascii: "/")
                    let quoted = field.valueEnd > field.valueStart && p[value] == UInt8(ascii: "\"")
                    guard weak || quoted else { continue }
                    append(field.nameStart, field.nameEnd)
                    append(weak ? ": " : ": W/")
                    append(field.valueStart, field.valueEnd)
                    append("\r\n")
                    continue
                }
                if !varyWritten && isVary(p, field) {
                    varyWritten = true
                    append(field.nameStart, field.nameEnd)
                    append(": ")
                    if field.valueEnd > field.valueStart {
                        append(field.valueStart, field.valueEnd)
                        append(", ")
                    }
                    append("Accept-Encoding\r\n")
                    continue
                }
            default:
                if field.listedInConnection { continue }
            }
            append(field.nameStart, field.nameEnd)
            append(": ")
            append(field.valueStart, field.valueEnd)
            append("\r\n")
        }
        if let edits { out.append(contentsOf: edits.addedLines) }
        if !varyWritten { append("Vary: Accept-Encoding\r\n") }
        append("Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n")
        if !keepAlive { append("Connection: close\r\n") }
        append("\r\n")
    }

    static func isVary(_ p: UnsafePointer<UInt8>, _ field: HeaderField) -> Bool {
        field.known == .other && field.nameEnd &- field.nameStart == 4
            && HTTPBytes.equalsLowercase(p, Int(field.nameStart), 4, "vary")
    }

    /// Whether a Vary value lists `Accept-Encoding` or `*` (which already covers it).
    static func varyListsAcceptEncoding(_ p: UnsafePointer<UInt8>, _ field: HeaderField) -> Bool {
        var found = false
        _ = FieldLines.forEachToken(p, field) { start, end, _ in
            if HTTPBytes.equalsLowercase(p, start, end &- start, "accept-encoding")
                || (end &- start == 1 && p[start] == UInt8(ascii: "*")) {
                found = true
                return false
            }
            return true
        }
        return found
    }
}
