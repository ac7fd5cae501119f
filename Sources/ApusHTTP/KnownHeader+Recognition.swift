extension KnownHeader {
    /// Recognises a header name at `p[start ..< start+count]` case-insensitively, without
    /// building a String: dispatch on length, then compare whole words against lowercase
    /// literals.
    ///
    /// The name must consist of token characters (RFC 9110 `tchar`): on those, setting bit
    /// 0x20 of every byte lowercases letters and maps no other tchar onto a letter, digit
    /// or `-`, so one OR per word folds case exactly.
    @inlinable
    static func recognise(_ p: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> KnownHeader {
        let name = UnsafeRawPointer(p + start)
        @inline(__always) func eq(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            let l = UnsafeRawPointer(s.utf8Start)
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
        switch count {
        case 2: return eq("te") ? .te : .other
        case 4:
            if eq("host") { return .host }
            if eq("date") { return .date }
            return .other
        case 5: return eq("range") ? .range : .other
        case 6:
            if eq("expect") { return .expect }
            if eq("server") { return .server }
            return .other
        case 7:
            if eq("upgrade") { return .upgrade }
            if eq("trailer") { return .trailer }
            return .other
        case 8: return eq("if-range") ? .ifRange : .other
        case 9: return eq("x-real-ip") ? .xRealIP : .other
        case 10:
            if eq("connection") { return .connection }
            if eq("keep-alive") { return .keepAlive }
            return .other
        case 12:
            if eq("content-type") { return .contentType }
            if eq("x-request-id") { return .xRequestID }
            return .other
        case 13:
            if eq("cache-control") { return .cacheControl }
            if eq("if-none-match") { return .ifNoneMatch }
            return .other
        case 14: return eq("content-length") ? .contentLength : .other
        case 15:
            if eq("x-forwarded-for") { return .xForwardedFor }
            if eq("accept-encoding") { return .acceptEncoding }
            return .other
        case 16:
            if eq("x-forwarded-host") { return .xForwardedHost }
            if eq("x-forwarded-port") { return .xForwardedPort }
            if eq("proxy-connection") { return .proxyConnection }
            if eq("content-encoding") { return .contentEncoding }
            return .other
        case 17:
            if eq("transfer-encoding") { return .transferEncoding }
            if eq("x-forwarded-proto") { return .xForwardedProto }
            if eq("if-modified-since") { return .ifModifiedSince }
            return .other
        default: return .other
        }
    }
}
