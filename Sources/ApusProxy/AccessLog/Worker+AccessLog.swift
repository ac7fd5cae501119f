import ApusCore
import ApusHTTP
import ApusNet
import Glibc

extension Worker {
    /// Copies what the log line needs before the head's bytes are consumed.
    func recordLogFields(_ exchange: Exchange, _ raw: UnsafeRawBufferPointer) {
        guard table.accessLog.format != .off else { return }
        let head = exchange.head
        exchange.logFields.clear()
        exchange.logFields.method.append(contentsOf: raw[Int(head.methodStart)..<Int(head.methodEnd)])
        exchange.logFields.target.append(contentsOf: raw[Int(head.targetStart)..<Int(head.targetEnd)])
        exchange.logFields.version = head.version
        for field in head.headers {
            switch field.known {
            case .host: exchange.logFields.host.append(contentsOf: raw[Int(field.valueStart)..<Int(field.valueEnd)])
            case .other:
                let name = raw[Int(field.nameStart)..<Int(field.nameEnd)]
                if asciiEqualsLowercase(name, "user-agent") {
                    exchange.logFields.userAgent.append(contentsOf: raw[Int(field.valueStart)..<Int(field.valueEnd)])
                } else if asciiEqualsLowercase(name, "referer") {
                    exchange.logFields.referer.append(contentsOf: raw[Int(field.valueStart)..<Int(field.valueEnd)])
                }
            default: break
            }
        }
    }

    /// Counts the finished exchange and writes its access-log line.
    func logAndCount(_ connection: DownstreamConnection, _ exchange: Exchange) {
        let status = exchange.status
        if exchange.table === table {
            counters.countRequest(route: connection.listener.isAdmin ? -1 : exchange.routeIndex, status: status)
        } else if let old = exchange.table, exchange.routeIndex >= 0, exchange.routeIndex < old.routes.count {
            counters.countRequest(label: old.routes[exchange.routeIndex].label, status: status)
        }
        guard table.accessLog.format != .off, !connection.listener.isAdmin else { return }
        let fields = exchange.logFields
        let durationMs = now - exchange.startMilliseconds
        let route = (exchange.table.flatMap { t in exchange.routeIndex >= 0 && exchange.routeIndex < t.routes.count ? t.routes[exchange.routeIndex].label : nil }) ?? ""
        let version = fields.version == .http10 ? "HTTP/1.0" : "HTTP/1.1"
        switch table.accessLog.format {
        case .combined:
            accessLog.append(connection.peer)
            accessLog.append(" - - [\(Worker.commonLogTime())] \"")
            accessLog.appendCombinedEscaped(fields.method)
            accessLog.append(" ")
            accessLog.appendCombinedEscaped(fields.target)
            accessLog.append(" \(version)\" \(status) \(exchange.bytesSent) \"")
            accessLog.appendCombinedEscaped(fields.referer)
            accessLog.append("\" \"")
            accessLog.appendCombinedEscaped(fields.userAgent)
            accessLog.append("\" \(durationMs)ms\n")
        case .json:
            accessLog.append("{\"time\":\"\(Worker.isoTime())\",\"client\":\"")
            accessLog.append(connection.peer)
            accessLog.append("\",\"method\":\"")
            accessLog.appendJSONEscaped(fields.method)
            accessLog.append("\",\"path\":\"")
            accessLog.appendJSONEscaped(fields.target)
            accessLog.append("\",\"protocol\":\"\(version)\",\"host\":\"")
            accessLog.appendJSONEscaped(fields.host)
            accessLog.append("\",\"status\":\(status),\"bytes_sent\":\(exchange.bytesSent),\"duration_ms\":\(durationMs),\"route\":\"")
            accessLog.appendJSONEscaped(Array(route.utf8))
            accessLog.append("\",\"upstream\":\"\(fields.upstreamAddress)\",\"referer\":\"")
            accessLog.appendJSONEscaped(fields.referer)
            accessLog.append("\",\"user_agent\":\"")
            accessLog.appendJSONEscaped(fields.userAgent)
            accessLog.append("\"}\n")
        case .off:
            break
        }
        if accessLog.bytes.count >= AccessLogBuffer.handOverSize { accessLog.handOver(to: state.accessLog) }
    }

    private func asciiEqualsLowercase(_ bytes: Slice<UnsafeRawBufferPointer>, _ lower: StaticString) -> Bool {
        guard bytes.count == lower.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: lower.utf8Start, count: lower.utf8CodeUnitCount)
        for (a, b) in zip(bytes, expected) where a | 0x20 != b { return false }
        return true
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
