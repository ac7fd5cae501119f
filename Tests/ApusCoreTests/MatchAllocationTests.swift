import ApusCore
import Testing

@Suite struct MatchAllocationTests {
    /// Repeated matches over every kind of rule give the same answers (also the harness for
    /// checking allocations: `heaptrack` on this test shows none inside `match`).
    @Test func repeatedMatchesAreStable() {
        let (table, _) = Fixture.compile([
            RouteConfig(host: "a.test", paths: [
                Fixture.rule("/exact", .exact, "exact"),
                Fixture.rule("/r/([0-9]+)", .regex, "regex"),
                Fixture.rule("/p/q", "prefix"),
            ]),
            RouteConfig(host: "*.w.test", paths: [Fixture.rule("/", "wild")]),
            RouteConfig(host: nil, paths: [Fixture.rule("/", "any")]),
        ])
        let requests: [(host: [UInt8], path: [UInt8], expected: Int)] = [
            ("A.TEST", "/exact", 0), ("a.test", "/r/12", 1), ("a.test", "/p/q/r", 2), ("x.w.test", "/z", 3),
            ("other", "/", 4), ("a.test", "/none", -1),
        ].map { (Array($0.0.utf8), Array($0.1.utf8), $0.2) }
        let scratch = MatchScratch()
        var mismatches = 0
        for _ in 0..<20_000 {
            for request in requests {
                let index = request.host.withUnsafeBytes { host in
                    request.path.withUnsafeBytes { path in table.match(host: host, path: path, scratch: scratch) }
                }
                if index != request.expected { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }
}
