import Foundation
import Testing

/// A worker with many requests in flight naps when its queue runs dry (`idle_naps`, on by
/// default): every request is still answered, timers still fire, and `idle_naps: false`
/// turns it off.
@Suite struct IdleNapTests {
    static let clients = 24

    /// Starts one worker proxying to a Python backend, with the given extra top-level YAML.
    private static func start(_ s: Scenario, extra: String = "") async throws -> (port: Int, admin: Int) {
        let backend = try await s.backend("slow")
        let port = try s.port()
        let admin = try s.port()
        _ = try await s.apus(ApusConfig.proxyAll(listen: port, admin: admin, endpoints: [backend.endpoint],
                                                 upstreamOptions: "read_timeout: 500ms", extra: extra),
                             waitFor: [port, admin])
        return (port, admin)
    }

    /// `clients` keep-alive connections at once, each sending `requests` requests for `path`
    /// one after the other; returns every status seen, in no particular order.
    private static func load(port: Int, path: String, requests: Int) async throws -> [Int] {
        try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<clients {
                group.addTask {
                    let connection = try await RawConnection.connect(port: port)
                    var statuses: [Int] = []
                    for _ in 0..<requests {
                        try await connection.send("GET \(path) HTTP/1.1\r\nHost: naps.test\r\n\r\n")
                        guard let response = try await connection.readResponse(timeout: .seconds(10)) else { break }
                        statuses.append(response.status)
                    }
                    return statuses
                }
            }
            var all: [Int] = []
            for try await statuses in group { all += statuses }
            return all
        }
    }

    /// Naps are counted in /metrics once the worker has flushed its counters (about a second).
    private static func naps(admin: Int, result: String) async throws -> Double {
        try await Task.sleep(for: .milliseconds(1_500))
        return try await Probe.metric(adminPort: admin, "apus_idle_naps_total{result=\"\(result)\"}") ?? -1
    }

    /// 24 connections waiting on a backend that answers after 2 ms keep the worker's queue
    /// empty most of the time: it naps, the naps find the answers, and all 480 are 200.
    @Test(.timeLimit(.endToEnd(3))) func busyWorkerNapsAndAnswersEverything() async throws {
        try await withScenario { s in
            let (port, admin) = try await Self.start(s)
            let statuses = try await Self.load(port: port, path: "/delay/2", requests: 20)
            #expect(statuses.count == Self.clients * 20)
            #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses.filter { $0 != 200 }.prefix(5))")
            let withEvents = try await Self.naps(admin: admin, result: "events")
            #expect(withEvents > 0, "apus_idle_naps_total{result=\"events\"} = \(withEvents)")
        }
    }

    /// While every connection waits on an upstream that does not answer in time, the worker
    /// naps and then blocks until the read timeout: each request gets its 504 soon after
    /// the 500 ms timeout.
    @Test(.timeLimit(.endToEnd(3))) func timersFireWhileNapping() async throws {
        try await withScenario { s in
            let (port, admin) = try await Self.start(s)
            let started = ContinuousClock.now
            let statuses = try await Self.load(port: port, path: "/delay/5000", requests: 1)
            let elapsed = ContinuousClock.now - started
            #expect(statuses == Array(repeating: 504, count: Self.clients))
            #expect(elapsed < .seconds(3), "504s took \(elapsed)")
            let taken = try await Self.naps(admin: admin, result: "empty")
            #expect(taken > 0, "apus_idle_naps_total{result=\"empty\"} = \(taken)")
        }
    }

    /// `idle_naps: false`: the same load, no nap.
    @Test(.timeLimit(.endToEnd(3))) func offMeansNoNaps() async throws {
        try await withScenario { s in
            let (port, admin) = try await Self.start(s, extra: "idle_naps: false")
            let statuses = try await Self.load(port: port, path: "/delay/2", requests: 20)
            #expect(statuses.count == Self.clients * 20 && statuses.allSatisfy { $0 == 200 })
            let events = try await Self.naps(admin: admin, result: "events")
            let empty = try await Probe.metric(adminPort: admin, "apus_idle_naps_total{result=\"empty\"}")
            #expect(events == 0 && empty == 0, "naps with idle_naps: false: \(events) with events, \(String(describing: empty)) empty")
        }
    }
}
