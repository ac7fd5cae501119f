/// The request line `method SP target SP HTTP/x.y CRLF`, split and validated.
@usableFromInline
struct RequestLine {
    @usableFromInline var method: HTTPMethod = .other
    @usableFromInline var methodEnd = 0
    @usableFromInline var targetStart = 0
    @usableFromInline var targetEnd = 0
    @usableFromInline var pathStart = 0
    @usableFromInline var queryStart = 0
    @usableFromInline var authorityStart = 0
    @usableFromInline var authorityEnd = 0
    @usableFromInline var version: HTTPVersion = .http11
    /// Index after the line's CRLF.
    @usableFromInline var lineEnd = 0

    @inlinable init() {}

    @inlinable
    mutating func parse(_ p: UnsafePointer<UInt8>, from start: Int, end: Int, maxURIBytes: Int) -> HTTPParseError? {
        var pos = start
        while pos < end && HTTPBytes.isTokenChar(p[pos]) { pos &+= 1 }
        guard pos > start, pos < end, p[pos] == HTTPBytes.sp else {
            return HTTPParseError(.invalidMethod, at: pos)
        }
        methodEnd = pos
        method = Self.method(p, start, pos &- start)
        pos &+= 1
        targetStart = pos
        // Target: visible ASCII only; `#` never belongs in a request.
        while pos < end {
            let b = p[pos]
            if b <= 0x20 || b >= 0x7F || b == 35 { break }
            pos &+= 1
        }
        targetEnd = pos
        if targetEnd &- targetStart > maxURIBytes { return HTTPParseError(.uriTooLong, at: targetStart &+ maxURIBytes) }
        guard pos < end, p[pos] == HTTPBytes.sp, targetEnd > targetStart else {
            return HTTPParseError(.invalidTarget, at: pos)
        }
        if let fault = splitTarget(p) { return fault }
        pos &+= 1
        // Version: exactly `HTTP/d.d` then CRLF.
        guard end &- pos >= 10,
              p[pos] == 72,
              p[pos &+ 1] == 84,
              p[pos &+ 2] == 84,
              p[pos &+ 3] == 80,
              p[pos &+ 4] == 47,
              HTTPBytes.isDigit(p[pos &+ 5]),
              p[pos &+ 6] == 46,
              HTTPBytes.isDigit(p[pos &+ 7])
        else { return HTTPParseError(.invalidVersion, at: pos) }
        let cr = p[pos &+ 8]
        let lf = p[pos &+ 9]
        if cr == HTTPBytes.lf { return HTTPParseError(.bareLF, at: pos &+ 8) }
        guard cr == HTTPBytes.cr else { return HTTPParseError(.invalidVersion, at: pos &+ 8) }
        guard lf == HTTPBytes.lf else { return HTTPParseError(.bareCR, at: pos &+ 8) }
        let major = p[pos &+ 5]
        let minor = p[pos &+ 7]
        switch (major, minor) {
        case (49, 49): version = .http11
        case (49, 48): version = .http10
        default: return HTTPParseError(.unsupportedVersion, at: pos)
        }
        lineEnd = pos &+ 10
        return nil
    }

    /// Splits origin-form, absolute-form (`http://` or `https://`) and `*` (OPTIONS only).
    /// CONNECT (authority-form) is refused: the proxy does not tunnel CONNECT.
    @inlinable
    mutating func splitTarget(_ p: UnsafePointer<UInt8>) -> HTTPParseError? {
        let first = p[targetStart]
        authorityStart = targetStart
        authorityEnd = targetStart
        if method == .connect { return HTTPParseError(.invalidTarget, at: targetStart) }
        if first == 47 {
            pathStart = targetStart
        } else if first == 42 {
            guard targetEnd == targetStart &+ 1, method == .options else {
                return HTTPParseError(.invalidTarget, at: targetStart)
            }
            pathStart = targetStart
        } else {
            var pos = targetStart
            if HTTPBytes.equalsLowercase(p, pos, min(7, targetEnd &- pos), "http://") {
                pos &+= 7
            } else if HTTPBytes.equalsLowercase(p, pos, min(8, targetEnd &- pos), "https://") {
                pos &+= 8
            } else {
                return HTTPParseError(.invalidTarget, at: targetStart)
            }
            authorityStart = pos
            while pos < targetEnd {
                let b = p[pos]
                if b == 47 || b == 63 { break }
                pos &+= 1
            }
            authorityEnd = pos
            guard HostSyntax.isValid(p, authorityStart, authorityEnd) else {
                return HTTPParseError(.invalidTarget, at: authorityStart)
            }
            pathStart = pos
        }
        queryStart = targetEnd
        var pos = pathStart
        while pos < targetEnd {
            if p[pos] == 63 { queryStart = pos; break }
            pos &+= 1
        }
        return nil
    }

    @inlinable
    static func method(_ p: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> HTTPMethod {
        // Methods are case-sensitive: compare bytes exactly.
        @inline(__always) func eq(_ s: StaticString) -> Bool { HTTPBytes.equalsExact(p, start, count, s) }
        switch count {
        case 3: return eq("GET") ? .get : eq("PUT") ? .put : .other
        case 4: return eq("HEAD") ? .head : eq("POST") ? .post : .other
        case 5: return eq("PATCH") ? .patch : eq("TRACE") ? .trace : .other
        case 6: return eq("DELETE") ? .delete : .other
        case 7: return eq("OPTIONS") ? .options : eq("CONNECT") ? .connect : .other
        default: return .other
        }
    }
}

/// `Host` syntax (RFC 9110 §7.2): `uri-host [ ":" port ]`, non-empty, no userinfo.
@usableFromInline
enum HostSyntax {
    @inlinable
    static func isValid(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard start < end else { return false }
        var pos = start
        if p[pos] == 91 {
            // IP-literal: hex digits, `:` and `.` (IPv6, possibly with an IPv4 tail).
            pos &+= 1
            let literalStart = pos
            while pos < end {
                let b = p[pos]
                if b == 93 { break }
                guard HTTPBytes.hexValue(b) != nil || b == 58 || b == 46 else { return false }
                pos &+= 1
            }
            guard pos < end, pos > literalStart else { return false }
            pos &+= 1
        } else {
            let nameStart = pos
            while end &- pos >= 8 {
                let ok = SWAR.hostBytes(UnsafeRawPointer(p + pos).loadUnaligned(as: UInt64.self))
                if ok == SWAR.highs { pos &+= 8; continue }
                pos &+= (~ok & SWAR.highs).trailingZeroBitCount >> 3
                break
            }
            while pos < end {
                let b = p[pos]
                if b == 58 { break }
                guard isRegNameChar(b) else { return false }
                pos &+= 1
            }
            guard pos > nameStart else { return false }
        }
        if pos == end { return true }
        guard p[pos] == 58 else { return false }
        pos &+= 1
        let portStart = pos
        while pos < end {
            guard HTTPBytes.isDigit(p[pos]) else { return false }
            pos &+= 1
        }
        return pos > portStart && pos &- portStart <= 5
    }

    /// unreserved / sub-delims (no `%`: percent-encoded host names are refused).
    @inlinable @inline(__always)
    static func isRegNameChar(_ b: UInt8) -> Bool {
        // Bit masks rather than a switch: a shift and a test per byte.
        // ! $ & ' ( ) * + , - . 0-9 ; =
        let low: UInt64 = 0x2BFF_7FD2_0000_0000
        // A-Z _ a-z ~
        let high: UInt64 = 0x47FF_FFFE_87FF_FFFE
        if b < 64 { return (low >> UInt64(b)) & 1 == 1 }
        if b < 128 { return (high >> UInt64(b &- 64)) & 1 == 1 }
        return false
    }
}
