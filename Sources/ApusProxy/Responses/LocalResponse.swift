import ApusCore

/// Builds the responses Apus answers itself: errors, redirects, fixed responses, admin
/// pages and static-file heads.
///
/// With a route's response header rules (`edits`), fields the rules set or remove are
/// left out as they are added, and the rules' lines go in before the head ends, so a
/// redirect, fixed or static response of the route gets the same rules as a proxied one.
/// Apus's own error pages get none (as nginx's `add_header` without `always`).
struct LocalResponse {
    var bytes: [UInt8] = []
    let edits: CompiledHeaderEdits?

    init(status: Int, reason: String? = nil, edits: CompiledHeaderEdits? = nil) {
        self.edits = edits
        bytes.reserveCapacity(256)
        append("HTTP/1.1 \(status) \(reason ?? LocalResponse.reason(for: status))\r\n")
        header("Server", "apus")
    }

    mutating func header(_ name: String, _ value: String) {
        if let edits, edits.removes(name) { return }
        unfilteredHeader(name, value)
    }

    /// A field the response needs to be read correctly, written whatever the rules say.
    mutating func unfilteredHeader(_ name: String, _ value: String) {
        append(name)
        append(": ")
        append(value)
        append("\r\n")
    }

    /// A field given as bytes (a gRPC status and its percent-encoded message).
    mutating func unfilteredHeader(_ name: [UInt8], _ value: [UInt8]) {
        bytes += name
        append(": ")
        bytes += value
        append("\r\n")
    }

    /// The worker's cached `Date: ...\r\n` line, unless the rules replace or remove Date.
    mutating func dateLine(_ line: [UInt8]) {
        if let edits, edits.removes("Date") { return }
        bytes.append(contentsOf: line)
    }

    /// Ends the head with Content-Length and Connection, then appends `body` (unless the
    /// request was HEAD).
    mutating func finish(body: [UInt8], keepAlive: Bool, includeBody: Bool = true) {
        header("Content-Length", String(body.count))
        finishHead(keepAlive: keepAlive)
        if includeBody { bytes.append(contentsOf: body) }
    }

    mutating func finishHead(keepAlive: Bool) {
        if let edits { bytes.append(contentsOf: edits.addedLines) }
        if !keepAlive { append("Connection: close\r\n") }
        append("\r\n")
    }

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// The small fixed error page for a status.
    /// The built-in page (`503 Service Unavailable`), or the operator's `page` for it.
    static func errorPage(status: Int, keepAlive: Bool, includeBody: Bool = true, page: ErrorPageConfig? = nil) -> [UInt8] {
        var response = LocalResponse(status: status)
        if let page {
            response.header("Content-Type", page.contentType)
            response.finish(body: page.body, keepAlive: keepAlive, includeBody: includeBody)
        } else {
            response.header("Content-Type", "text/plain; charset=utf-8")
            response.finish(body: Array("\(status) \(reason(for: status))\n".utf8), keepAlive: keepAlive, includeBody: includeBody)
        }
        return response.bytes
    }

    static func reason(for status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 206: return "Partial Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 303: return "See Other"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 416: return "Range Not Satisfiable"
        case 421: return "Misdirected Request"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return "Status"
        }
    }
}
