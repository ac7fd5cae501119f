extension KnownHeader {
    /// Recognises a header name at `p[start ..< start+count]` case-insensitively, without
    /// building a String: dispatch on length, then compare whole words against lowercase
    /// literals.
    ///
    /// The name must consist of token characters (see `HTTPBytes.equalsFolded`).
    @inlinable
    static func recognise(_ p: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> KnownHeader {
        @inline(__always) func eq(_ s: StaticString) -> Bool {
            HTTPBytes.equalsFolded(p, start, s)
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
            if eq("cookie") { return .cookie }
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
