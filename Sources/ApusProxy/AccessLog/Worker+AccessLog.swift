import ApusCore
import ApusHTTP
import ApusNet

extension Worker {
    /// Copies what the log line needs before the head's bytes are consumed.
    @inline(__always)
    func recordLogFields(_ exchange: Exchange, _ raw: UnsafeRawBufferPointer) {
        guard table.accessLog.format != .off else { return }
        exchange.logFields.record(exchange.head, raw)
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
