import ApusCore
import ApusHTTP

/// The Location of the redirects Apus answers itself, from the request as received.
enum RedirectLocation {
    /// A route's redirect: scheme, host and path from the rule where it sets them, else
    /// from the request. Switching scheme drops the request's port (it belongs to the old
    /// scheme); `host` is the request's routing host.
    static func of(_ config: RedirectConfig, head: RequestHead, bytes: UnsafeRawBufferPointer, listenerScheme: [UInt8],
                   host: UnsafeRawBufferPointer) -> String {
        if let url = config.url {
            return RedirectTemplate.expand(url) { name in
                let target = bytes[Int(head.pathStart)..<Int(head.pathEnd)]
                let query = Int(head.queryStart) < Int(head.pathEnd) ? bytes[(Int(head.queryStart) + 1)..<Int(head.pathEnd)] : bytes[0..<0]
                switch name {
                case "request_uri": return String(decoding: target, as: UTF8.self)
                case "uri": return String(decoding: bytes[Int(head.pathStart)..<Int(head.queryStart)], as: UTF8.self)
                case "args", "query_string": return String(decoding: query, as: UTF8.self)
                case "host": return String(decoding: host, as: UTF8.self)
                case "http_host": return head.authorityRange.map { String(decoding: bytes[$0], as: UTF8.self) } ?? ""
                case "scheme": return String(decoding: listenerScheme, as: UTF8.self)
                default: return ""
                }
            }
        }
        let scheme = config.scheme ?? String(decoding: listenerScheme, as: UTF8.self)
        var authority = config.host ?? ""
        if config.host == nil {
            if let range = head.authorityRange { authority = String(decoding: bytes[range], as: UTF8.self) }
            if config.scheme != nil { authority = String(decoding: host, as: UTF8.self) }
        }
        let path = config.path ?? String(decoding: bytes[Int(head.pathStart)..<Int(head.pathEnd)], as: UTF8.self)
        return "\(scheme)://\(authority)\(path)"
    }

    /// The same URL over HTTPS: `https://host[:port]/path?query`, the target as received.
    /// The host goes into a Location, so it must be a DNS name or an IP literal: nil
    /// otherwise (the request gets 400).
    static func https(_ redirect: CompiledHTTPSRedirect, head: RequestHead, bytes: UnsafeRawBufferPointer,
                      host: UnsafeRawBufferPointer) -> String? {
        guard !host.isEmpty, host.allSatisfy(isHostByte) else { return nil }
        var location = "https://"
        let hostText = String(decoding: host, as: UTF8.self)
        location += hostText.contains(":") ? "[\(hostText)]" : hostText
        if let port = redirect.port { location += ":\(port)" }
        var target = String(decoding: bytes[Int(head.pathStart)..<Int(head.pathEnd)], as: UTF8.self)
        // An absolute-form target may have an empty path (`http://h` or `http://h?q`).
        if !target.hasPrefix("/") { location += "/" }
        if redirect.stripsTrailingSlash && target.hasSuffix("/") { target.removeLast() }
        return location + target
    }

    /// Letters, digits, `.`, `-`, `_` (seen in real host names), and `:` for an IPv6 literal
    /// (its brackets were removed).
    static func isHostByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ":"):
            return true
        default:
            return false
        }
    }
}
