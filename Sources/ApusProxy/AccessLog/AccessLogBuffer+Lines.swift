import ApusCore
import ApusHTTP
import ApusNet
import Glibc

/// One exchange as a line of the access log, in the configured format.
struct AccessLogEntry {
    var peer: [UInt8]
    var fields: AccessLogFields
    var status: Int
    var bytesSent: Int
    var durationMilliseconds: UInt64
    /// The label of the route that matched ("" for none).
    var route: String
}

extension AccessLogBuffer {
    /// Appends `entry` as one line: `combined` (nginx's format plus the duration) or `json`.
    mutating func append(_ entry: AccessLogEntry, format: AccessLogConfig.Format) {
        let fields = entry.fields
        let version = fields.overHTTP2 ? "HTTP/2.0" : fields.version == .http10 ? "HTTP/1.0" : "HTTP/1.1"
        switch format {
        case .combined:
            append(entry.peer)
            append(" - - [\(Self.commonLogTime())] \"")
            appendCombinedEscaped(fields.method)
            append(" ")
            appendCombinedEscaped(fields.target)
            append(" \(version)\" \(entry.status) \(entry.bytesSent) \"")
            appendCombinedEscaped(fields.referer)
            append("\" \"")
            appendCombinedEscaped(fields.userAgent)
            append("\" \(entry.durationMilliseconds)ms\n")
        case .json:
            append("{\"time\":\"\(Self.isoTime())\",\"client\":\"")
            append(entry.peer)
            append("\",\"method\":\"")
            appendJSONEscaped(fields.method)
            append("\",\"path\":\"")
            appendJSONEscaped(fields.target)
            append("\",\"protocol\":\"\(version)\",\"host\":\"")
            appendJSONEscaped(fields.host)
            append("\",\"status\":\(entry.status),\"bytes_sent\":\(entry.bytesSent),\"duration_ms\":\(entry.durationMilliseconds),\"route\":\"")
            appendJSONEscaped(Array(entry.route.utf8))
            append("\",\"upstream\":\"\(fields.upstreamAddress)\",\"referer\":\"")
            appendJSONEscaped(fields.referer)
            append("\",\"user_agent\":\"")
            appendJSONEscaped(fields.userAgent)
            append("\"}\n")
        case .off:
            break
        }
    }

    /// `22/Nov/2026:03:49:27 +0000`
    static func commonLogTime() -> String {
        var time = time_t(MonotonicClock.wallSeconds())
        var parts = tm()
        gmtime_r(&time, &parts)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(parts.tm_mday))/\(months[Int(parts.tm_mon)])/\(parts.tm_year + 1900):\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }

    static func isoTime() -> String {
        var time = time_t(MonotonicClock.wallSeconds())
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
