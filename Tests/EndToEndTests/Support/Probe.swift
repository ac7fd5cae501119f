import Testing
/// Small questions tests ask apus over a fresh connection.
enum Probe {
    /// The name (`X-Backend`) of the upstream that answered `path` for `host`, or `status N`
    /// when apus answered by itself (404, 502, ...).
    static func who(port: Int, host: String, path: String) async throws -> String {
        let response = try await HTTPClient.request(port: port, path: path, host: host)
        return response.header("X-Backend") ?? "status \(response.status)"
    }

    /// Who answered (`X-Backend`, or `status N`) `requests` keep-alive requests on each of
    /// `connections` connections at once, tallied.
    static func tally(port: Int, host: String, path: String = "/", connections: Int, requests: Int) async throws -> [String: Int] {
        try await withThrowingTaskGroup(of: [String: Int].self) { group in
            for _ in 0..<connections {
                group.addTask {
                    let connection = try await RawConnection.connect(port: port)
                    var seen: [String: Int] = [:]
                    for _ in 0..<requests {
                        try await connection.send("GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\r\n")
                        let response = try #require(try await connection.readResponse())
                        seen[response.header("X-Backend") ?? "status \(response.status)", default: 0] += 1
                    }
                    return seen
                }
            }
            var total: [String: Int] = [:]
            for try await seen in group { total.merge(seen, uniquingKeysWith: +) }
            return total
        }
    }

    /// The value of one sample (`name{labels} value`) in admin /metrics whose line starts with
    /// `prefix` (e.g. `apus_config_last_reload_success`); nil when absent.
    static func metric(adminPort: Int, _ prefix: String) async throws -> Double? {
        let text = try await HTTPClient.request(port: adminPort, path: "/metrics").bodyText
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) && !line.hasPrefix("#") {
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { return value }
        }
        return nil
    }
}

extension Scenario {
    /// Starts one Python backend per name, concurrently.
    func backends(_ names: [String]) async throws -> [String: PythonBackend] {
        try await withThrowingTaskGroup(of: PythonBackend.self) { group in
            for name in names { group.addTask { try await self.backend(name) } }
            var started: [String: PythonBackend] = [:]
            for try await backend in group { started[backend.name] = backend }
            return started
        }
    }
}
