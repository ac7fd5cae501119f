/// Builds the responses Apus answers itself: errors, redirects, fixed responses, admin
/// pages and static-file heads.
struct LocalResponse {
    var bytes: [UInt8] = []

    init(status: Int, reason: String? = nil) {
        bytes.reserveCapacity(256)
        append("HTTP/1.1 \(status) \(reason ?? LocalResponse.reason(for: status))\r\nServer: apus\r\n")
    }

    mutating func header(_ name: String, _ value: String) {
        append(name)
        append(": ")
        append(value)
        append("\r\n")
    }

    /// Ends the head with Content-Length and Connection, then appends `body` (unless the
    /// request was HEAD).
    mutating func finish(body: [UInt8], keepAlive: Bool, includeBody: Bool = true) {
        header("Content-Length", String(body.count))
        finishHead(keepAlive: keepAlive)
        if includeBody { bytes.append(contentsOf: body) }
    }

    mutating func finishHead(keepAlive: Bool) {
        if !keepAlive { append("Connection: close\r\n") }
        append("\r\n")
    }

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// The small fixed error page for a status.
    static func errorPage(status: Int, keepAlive: Bool, includeBody: Bool = true) -> [UInt8] {
        var response = LocalResponse(status: status)
        response.header("Content-Type", "text/plain; charset=utf-8")
        response.finish(body: Array("\(status) \(reason(for: status))\n".utf8), keepAlive: keepAlive, includeBody: includeBody)
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
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 416: return "Range Not Satisfiable"
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
