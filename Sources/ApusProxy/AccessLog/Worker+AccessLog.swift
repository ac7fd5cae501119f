import ApusCore
import ApusHTTP
import ApusNet

extension Worker {
    /// Copies what the log line needs before the head's bytes are consumed.
    @inline(__always)
    func recordLogFields(_ exchange: Exchange, _ raw: UnsafeRawBufferPointer) {
        guard table.accessLog.format != .off else { return }
        exchange.logFields.record(exchange.head, raw)
        if exchange.downstream?.isStream == true { exchange.logFields.overHTTP2 = true }
    }

    /// Counts the finished exchange and writes its access-log line.
    func logAndCount(_ connection: DownstreamConnection, _ exchange: Exchange) {
        let status = exchange.status
        countAnswer(connection, exchange, status: status)
        // Counted: a close that follows does not count it again (`countUnfinished`).
        defer { exchange.startMilliseconds = 0 }
        guard table.accessLog.format != .off, !connection.listener.isAdmin else { return }
        var route = ""
        if let routes = exchange.table?.routes, exchange.routeIndex >= 0, exchange.routeIndex < routes.count {
            // `access_log: false` on the route (ingress-nginx's enable-access-log: "false").
            guard routes[exchange.routeIndex].writesAccessLog else { return }
            route = routes[exchange.routeIndex].label
        }
        accessLog.append(AccessLogEntry(
            peer: exchange.clientText ?? connection.peer, fields: exchange.logFields, status: status, bytesSent: exchange.bytesSent,
            durationMilliseconds: now - exchange.startMilliseconds, route: route), format: table.accessLog.format)
        if accessLog.bytes.count >= AccessLogBuffer.handOverSize { accessLog.handOver(to: state.accessLog) }
    }
}
