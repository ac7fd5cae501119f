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
            // The compiler checked the URL (`RedirectTemplate.problem`): it parses.
            guard case .success(let template) = RequestTemplate.parse(url) else { return url }
            var location: [UInt8] = []
            TemplateRequest(head: head, raw: bytes, host: host, scheme: listenerScheme, client: [])
                .expand(template, into: &location)
            return String(decoding: location, as: UTF8.self)
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
        guard !host.isEmpty, host.allSatisfy(HostNameBytes.allows) else { return nil }
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
}
