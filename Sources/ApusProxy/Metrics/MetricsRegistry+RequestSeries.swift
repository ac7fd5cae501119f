import ApusCore

/// The request families, as ingress-nginx names them without its prefix: a counter and six
/// histograms sharing one set of labels, with ingress-nginx's bucket bounds.
extension MetricsRegistry {
    private struct HistogramFamily {
        var name: String
        var help: String
        var offset: Int
        var isDuration: Bool
    }

    private static let histograms: [HistogramFamily] = {
        typealias Layout = RequestSeriesTable.Layout
        return [
            HistogramFamily(name: "apus_request_duration_seconds", help: "Time from reading the request head to the last byte of the answer.", offset: Layout.requestDuration, isDuration: true),
            HistogramFamily(name: "apus_request_size_bytes", help: "Request length: request line, header fields and body.", offset: Layout.requestSize, isDuration: false),
            HistogramFamily(name: "apus_response_size_bytes", help: "Bytes sent to the client: status line, header fields and body.", offset: Layout.responseSize, isDuration: false),
            HistogramFamily(name: "apus_upstream_connect_duration_seconds", help: "Time to get a connection to the upstream endpoint (0 for a pooled one; TLS handshake included), for the last attempt.", offset: Layout.connectDuration, isDuration: true),
            HistogramFamily(name: "apus_upstream_header_duration_seconds", help: "Time from the start of the last upstream attempt to its response head.", offset: Layout.headerDuration, isDuration: true),
            HistogramFamily(name: "apus_upstream_response_duration_seconds", help: "Time from the start of the last upstream attempt to the end of the exchange.", offset: Layout.responseDuration, isDuration: true),
        ]
    }()

    /// Drops the series of routes the table no longer has (a deleted Ingress, a changed
    /// path), as ingress-nginx does, so that churn does not grow `/metrics` forever; what
    /// workers still flush for them afterwards is dropped too.
    public func forgetSeries(notIn table: RouteTable) {
        var live: Set<RouteMetricLabels> = [.unrouted]
        for route in table.routes {
            live.insert(route.metricLabels)
            var main = route.metricLabels
            main.canary = ""
            live.insert(main)
        }
        totals.withLock { t in
            t.liveRoutes = live
            t.series = t.series.filter { live.contains($0.key.route) }
        }
    }

    func renderRequestSeries(_ series: [RequestSeriesKey: [UInt64]], into out: inout String) {
        let rows = series.map { (labels: Self.labelText($0.key), record: $0.value) }.sorted { $0.labels < $1.labels }
        out += "# HELP apus_requests_total Requests answered (every answer: proxied, local, redirected, refused), by route, method and status.\n"
        out += "# TYPE apus_requests_total counter\n"
        for row in rows {
            // Every answer is one observation of the request duration.
            let count = row.record[RequestSeriesTable.Layout.requestDuration..<(RequestSeriesTable.Layout.requestDuration + RequestSeriesTable.Layout.durationWords - 1)].reduce(0, &+)
            out += "apus_requests_total{\(row.labels)} \(count)\n"
        }
        for family in Self.histograms {
            out += "# HELP \(family.name) \(family.help)\n"
            out += "# TYPE \(family.name) histogram\n"
            for row in rows {
                row.record.withUnsafeBufferPointer { record in
                    let buckets = UnsafeBufferPointer(rebasing: record[family.offset..<(family.offset + (family.isDuration ? RequestSeriesTable.Layout.durationWords : RequestSeriesTable.Layout.sizeWords))])
                    Self.renderHistogram(name: family.name, labels: row.labels, buckets: buckets, isDuration: family.isDuration, into: &out)
                }
            }
        }
    }

    /// One histogram's lines from per-bucket counts (+Inf last) followed by the sum (ms or
    /// bytes); nothing when it observed nothing (a request that never went upstream).
    static func renderHistogram(name: String, labels: String, buckets: UnsafeBufferPointer<UInt64>, isDuration: Bool,
                                showsEmpty: Bool = false, into out: inout String) {
        let counts = buckets.dropLast()
        let total = counts.reduce(0, &+)
        guard total > 0 || showsEmpty else { return }
        let bounds = isDuration ? RequestSeriesTable.Layout.durationBounds.map(secondsText) : RequestSeriesTable.Layout.sizeBounds.map { String($0) }
        let separator = labels.isEmpty ? "" : ","
        var cumulative: UInt64 = 0
        for (index, count) in counts.enumerated() {
            cumulative &+= count
            let bound = index < bounds.count ? bounds[index] : "+Inf"
            out += "\(name)_bucket{\(labels)\(separator)le=\"\(bound)\"} \(cumulative)\n"
        }
        let sum = buckets[buckets.count - 1]
        let braces = labels.isEmpty ? "" : "{\(labels)}"
        out += "\(name)_sum\(braces) \(isDuration ? secondsText(sum) : String(sum))\n"
        out += "\(name)_count\(braces) \(total)\n"
    }

    /// Milliseconds as decimal seconds, exactly (`1500` is `1.5`, `5` is `0.005`).
    static func secondsText(_ milliseconds: UInt64) -> String {
        let fraction = milliseconds % 1000
        guard fraction != 0 else { return String(milliseconds / 1000) }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(milliseconds / 1000).\(digits)"
    }

    private static func labelText(_ key: RequestSeriesKey) -> String {
        let route = key.route
        return "namespace=\"\(escape(route.namespace))\",ingress=\"\(escape(route.ingress))\",service=\"\(escape(route.service))\","
            + "host=\"\(escape(route.host))\",path=\"\(escape(route.path))\",method=\"\(key.method.text)\",status=\"\(key.status)\","
            + "canary=\"\(escape(route.canary))\""
    }
}

/// A histogram of durations in milliseconds with the request histograms' bounds, for the
/// control plane's timings (few observations, kept under the registry's lock).
struct DurationHistogram {
    private var words = [UInt64](repeating: 0, count: RequestSeriesTable.Layout.durationWords)

    mutating func observe(milliseconds: UInt64) {
        words.withUnsafeMutableBufferPointer {
            RequestSeriesTable.observe(duration: milliseconds, in: $0.baseAddress!, at: 0)
        }
    }

    func render(name: String, labels: String, into out: inout String, withType: Bool) {
        if withType { out += "# TYPE \(name) histogram\n" }
        // An empty histogram still shows its buckets, so that dashboards find it.
        words.withUnsafeBufferPointer {
            MetricsRegistry.renderHistogram(name: name, labels: labels, buckets: $0, isDuration: true, showsEmpty: true, into: &out)
        }
    }
}
