import Testing
@testable import ApusProxy

/// The worker's request series: bucket bounds as ingress-nginx's, keys that survive the
/// table growing, and the instant-request shortcut spread into the histograms on drain.
@Suite struct RequestSeriesTableTests {
    typealias Layout = RequestSeriesTable.Layout

    @Test func bucketsFollowIngressNginxBounds() {
        let durations: [(UInt64, Int)] = [(0, 0), (5, 0), (6, 1), (10, 1), (11, 2), (25, 2), (26, 3), (999, 7), (1000, 7), (1001, 8),
                                          (10_000, 10), (10_001, 11), (.max, 11)]
        for (milliseconds, bucket) in durations {
            #expect(RequestSeriesTable.durationBucket(milliseconds) == bucket, "\(milliseconds) ms")
            #expect(milliseconds > 10_000 || Layout.durationBounds[bucket] >= milliseconds)
        }
        var record = [UInt64](repeating: 0, count: Layout.words)
        record.withUnsafeMutableBufferPointer { pointer in
            for bytes: UInt64 in [0, 10, 11, 20, 100, 101, 1 << 40] {
                RequestSeriesTable.observe(size: bytes, in: pointer.baseAddress!, at: Layout.requestSize)
            }
        }
        let sizes = Array(record[Layout.requestSize..<(Layout.requestSize + Layout.sizeWords)])
        #expect(sizes == [2, 2, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0 + 10 + 11 + 20 + 100 + 101 + (1 << 40)])
    }

    @Test func keysSurviveGrowthAndDrainOnce() {
        let table = RequestSeriesTable(capacity: 4)
        var expected: [Int: (Int, Int, Int)] = [:]
        for route in 0..<300 {
            let method = route % 11
            let status = 100 + route % 500
            let record = table.record(routeSlot: route, method: method, status: status)
            record[Layout.requestDuration] &+= UInt64(route + 1)
            expected[route] = (route, method, status)
        }
        // The same key finds the same record after all that growth.
        table.record(routeSlot: 7, method: 7, status: 107)[Layout.requestDuration] &+= 1000
        var seen: [Int: UInt64] = [:]
        table.drain { key, record in
            #expect(expected[key.routeSlot].map { $0 == (key.routeSlot, key.method, key.status) } == true)
            seen[key.routeSlot] = record[Layout.requestDuration]
        }
        #expect(seen.count == 300)
        #expect(seen[7] == 1008 && seen[299] == 300)
        var again = 0
        table.drain { _, _ in again += 1 }
        #expect(again == 0, "a drained series is zero until counted again")
        #expect(table.record(routeSlot: RequestSeriesTable.unroutedSlot, method: MethodLabel.unknown, status: 400) != table.record(routeSlot: 0, method: 0, status: 400))
    }

    @Test func instantRequestsSpreadIntoEveryDurationHistogram() {
        let table = RequestSeriesTable()
        let record = table.record(routeSlot: 2, method: 0, status: 200)
        record[Layout.instantProxied] = 5
        RequestSeriesTable.observe(duration: 300, in: record, at: Layout.requestDuration)
        var drains = 0
        table.drain { _, drained in
            drains += 1
            #expect(drained[Layout.instantProxied] == 0)
            #expect(drained[Layout.requestDuration] == 5 && drained[Layout.requestDuration + 6] == 1)
            for offset in [Layout.connectDuration, Layout.headerDuration, Layout.responseDuration] { #expect(drained[offset] == 5) }
        }
        #expect(drains == 1)
    }

    @Test func secondsAreWrittenExactly() {
        #expect([0, 5, 10, 250, 1000, 1500, 2500, 10_000, 123_456].map(MetricsRegistry.secondsText)
                == ["0", "0.005", "0.01", "0.25", "1", "1.5", "2.5", "10", "123.456"])
    }
}
