import Testing

/// Many clients at once: every request on every connection is answered correctly.
@Suite struct ConcurrencyTests {
    /// 200 concurrent keep-alive connections × 5 requests each, over 2 workers and 2 upstreams: all 1000 answered 200, each with its own body.
    @Test(.timeLimit(.endToEnd(3))) func manyConnections() async throws {
        try await withScenario(slots: 2) { s in
            let b = try await s.backends(["a", "b"])
            let port = try s.port()
            _ = try await s.apus(ApusConfig.yaml(listen: port, workers: "2", body: """
            routes:
              - paths: [ { path: /, type: Prefix, upstream: app } ]
            upstreams:
              app: { endpoints: [\(b["a"]!.endpoint), \(b["b"]!.endpoint)] }
            """), waitFor: [port])
            let failures = try await withThrowingTaskGroup(of: [String].self) { group in
                for client in 0..<200 {
                    group.addTask {
                        var problems: [String] = []
                        let connection = try await RawConnection.connect(port: port)
                        for request in 0..<5 {
                            let path = "/echo?c=\(client)&r=\(request)"
                            try await connection.send("GET \(path) HTTP/1.1\r\nHost: many.test\r\n\r\n")
                            guard let response = try await connection.readResponse(timeout: .seconds(20)) else {
                                problems.append("\(path): no response")
                                break
                            }
                            if response.status != 200 || (try? EchoReply(response.body).path) != path {
                                problems.append("\(path): \(response)")
                            }
                        }
                        return problems
                    }
                }
                var all: [String] = []
                for try await problems in group { all += problems }
                return all
            }
            #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(5))")
        }
    }
}
