/// Small questions tests ask apus over a fresh connection.
enum Probe {
    /// The name (`X-Backend`) of the upstream that answered `path` for `host`, or `status N`
    /// when apus answered by itself (404, 502, ...).
    static func who(port: Int, host: String, path: String) async throws -> String {
        let response = try await HTTPClient.request(port: port, path: path, host: host)
        return response.header("X-Backend") ?? "status \(response.status)"
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
