import ApusCore
import ApusHTTP

/// Counting each answer into the worker's request series (`RequestSeriesTable`).
extension Worker {
    /// Counts an answer: the request, its duration and sizes, and its upstream timings
    /// when it went upstream. Admin answers are counted apart.
    @inline(__always)
    func countAnswer(_ connection: DownstreamConnection, _ exchange: Exchange, status: Int) {
        if connection.listener.isAdmin {
            counters.adminRequests[status, default: 0] += 1
            return
        }
        let route = exchange.routeIndex
        if exchange.table === table || route < 0 {
            let slot = route < 0 ? RequestSeriesTable.unroutedSlot : route &* 2 &+ (exchange.viaCanary ? 1 : 0)
            // A head that did not parse left no table on the exchange, and no method.
            let method = exchange.table == nil ? MethodLabel.unknown : Int(exchange.head.method.rawValue)
            observe(exchange, into: requestSeries.record(routeSlot: slot, method: method, status: status))
        } else {
            countOnOlderTable(exchange, status: status)
        }
    }

    @inline(__always)
    private func observe(_ exchange: Exchange, into record: UnsafeMutablePointer<UInt64>) {
        typealias Layout = RequestSeriesTable.Layout
        var requestBytes = UInt64(truncatingIfNeeded: exchange.head.headLength)
        if exchange.head.contentLength > 0 {
            requestBytes &+= UInt64(exchange.head.contentLength)
        } else if exchange.head.isChunked && exchange.runtime != nil {
            requestBytes &+= UInt64(truncatingIfNeeded: exchange.requestBody.payloadBytes)
        }
        RequestSeriesTable.observe(size: requestBytes, in: record, at: Layout.requestSize)
        RequestSeriesTable.observe(size: UInt64(truncatingIfNeeded: exchange.bytesSent), in: record, at: Layout.responseSize)
        let elapsed = now &- exchange.startMilliseconds
        let started = exchange.upstreamStartedAt
        guard started != 0 else {
            RequestSeriesTable.observe(duration: elapsed, in: record, at: Layout.requestDuration)
            return
        }
        exchange.upstreamStartedAt = 0
        // Within one millisecond every duration is 0 (the upstream's lie inside the request's).
        if elapsed == 0 && exchange.upstreamConnectedAt != 0 && exchange.upstreamHeaderAt != 0 {
            record[Layout.instantProxied] &+= 1
            return
        }
        RequestSeriesTable.observe(duration: elapsed, in: record, at: Layout.requestDuration)
        // As nginx's $upstream_*_time: each from the start of the (last) attempt.
        if exchange.upstreamConnectedAt != 0 {
            RequestSeriesTable.observe(duration: exchange.upstreamConnectedAt &- started, in: record, at: Layout.connectDuration)
        }
        if exchange.upstreamHeaderAt != 0 {
            RequestSeriesTable.observe(duration: exchange.upstreamHeaderAt &- started, in: record, at: Layout.headerDuration)
        }
        RequestSeriesTable.observe(duration: now &- started, in: record, at: Layout.responseDuration)
    }

    /// A request that started before the worker took its current table: its route index
    /// belongs to the older table, so it is counted under that table's labels.
    @inline(never)
    private func countOnOlderTable(_ exchange: Exchange, status: Int) {
        guard let old = exchange.table, exchange.routeIndex < old.routes.count else { return }
        var labels = old.routes[exchange.routeIndex].metricLabels
        if !exchange.viaCanary { labels.canary = "" }
        let key = RequestSeriesKey(route: labels, method: MethodLabel(exchange.head.method), status: status)
        var record = counters.strays[key] ?? [UInt64](repeating: 0, count: RequestSeriesTable.Layout.words)
        record.withUnsafeMutableBufferPointer {
            observe(exchange, into: $0.baseAddress!)
            RequestSeriesTable.spreadInstant($0.baseAddress!)
        }
        counters.strays[key] = record
    }

    /// An exchange whose head was read but which ends without the log line of a finished
    /// one (the client left, the upstream broke off a response, the client stopped
    /// reading): counted with the status it was given, or nginx's 499 when none was.
    func countUnfinished(_ connection: DownstreamConnection, _ exchange: Exchange) {
        guard exchange.startMilliseconds != 0 else { return }
        countAnswer(connection, exchange, status: exchange.status != 0 ? exchange.status : 499)
        exchange.startMilliseconds = 0
    }

    /// The series counted since the last flush, labelled from the table they were counted
    /// against; zeroes them.
    func drainRequestSeries(into series: inout [RequestSeriesKey: [UInt64]]) {
        guard let routes = requestSeries.routes?.routes else { return }
        requestSeries.drain { key, record in
            var labels = RouteMetricLabels.unrouted
            if key.routeSlot != RequestSeriesTable.unroutedSlot {
                let route = key.routeSlot / 2
                guard route < routes.count else { return }
                labels = routes[route].metricLabels
                if key.routeSlot % 2 == 0 { labels.canary = "" }
            }
            let seriesKey = RequestSeriesKey(route: labels, method: MethodLabel(index: key.method), status: key.status)
            series.add(record, to: seriesKey)
        }
    }
}
