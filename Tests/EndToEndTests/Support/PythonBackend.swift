import Foundation

/// One running instance of `BackendScript` (a real HTTP/1.1 upstream on loopback), named so
/// responses say which instance answered (`X-Backend`).
final class PythonBackend: Sendable {
    let name: String
    /// The address it listens on (loopback unless started in a network namespace).
    let host: String
    let port: Int
    let child: ChildProcess

    /// `host:port`, as written in an upstream's endpoints.
    var endpoint: String { "\(host):\(port)" }

    private init(name: String, host: String, port: Int, child: ChildProcess) {
        self.name = name
        self.host = host
        self.port = port
        self.child = child
    }

    /// Writes the script into `dir`, starts it on `host`:`port` (0 = let it choose) and waits for
    /// `PORT n`. `launcher` prefixes the command (`ip netns exec NAME` runs it in a namespace).
    static func start(name: String, host: String = "127.0.0.1", port: Int = 0, launcher: [String] = [],
                      in dir: TempDirectory) async throws -> PythonBackend {
        let script = dir.file("backend.py")
        if !FileManager.default.fileExists(atPath: script) {
            try dir.write("backend.py", BackendScript.source)
        }
        let command = launcher + ["/usr/bin/env", "python3", "-u", script, name, String(port), host]
        let child = try ChildProcess(executable: command[0], arguments: Array(command.dropFirst()),
                                     stdoutPath: dir.file("backend-\(name).out"), stderrPath: dir.file("backend-\(name).err"))
        guard let chosen = await child.announcedPort() else {
            await child.kill()
            throw HarnessError("python backend \(name) did not start: \(child.stderrTail())")
        }
        return PythonBackend(name: name, host: host, port: chosen, child: child)
    }

    /// Connections accepted, connections still open, requests and their paths so far (asked directly,
    /// not via apus; the stats request itself counts as one connection, one open and one request).
    func stats() async throws -> (connections: Int, open: Int, requests: Int, paths: [String]) {
        let object = try await HTTPClient.json(port: port, path: "/__stats") as? [String: Any]
        guard let object, let connections = object["connections"] as? Int, let open = object["open"] as? Int,
              let requests = object["requests"] as? Int, let paths = object["paths"] as? [String] else {
            throw HarnessError("bad /__stats from backend \(name)")
        }
        return (connections, open, requests, paths)
    }

    /// The sha256 of what `/bytes/N` and `/chunked/N` send.
    func patternSHA256(_ count: Int) async throws -> String {
        try await HTTPClient.request(port: port, path: "/bytes-sha/\(count)", timeout: .seconds(60)).bodyText
    }

    func stop() async { await child.kill() }
}
