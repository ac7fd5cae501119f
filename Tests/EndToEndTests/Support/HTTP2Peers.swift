import Foundation

/// A running `GRPCPeerScript` server (grpcio) on loopback.
final class GRPCServer: Sendable {
    let port: Int
    let host: String
    let child: ChildProcess

    var endpoint: String { "\(host):\(port)" }

    private init(port: Int, host: String, child: ChildProcess) {
        self.port = port
        self.host = host
        self.child = child
    }

    /// The calls the server saw cancelled by their client.
    var cancellations: Int {
        child.stdout.split(separator: "\n").filter { $0.hasPrefix("CANCELLED ") }.count
    }

    /// `host` and `launcher`: as `PythonBackend.start`'s (a network namespace's address and
    /// the command that runs inside it).
    static func start(in dir: TempDirectory, tls: TLSTestCertificates.Pair? = nil, host: String = "127.0.0.1",
                      launcher: [String] = []) async throws -> GRPCServer {
        let script = try GRPCPeer.script(in: dir)
        let id = UUID().uuidString
        let command = launcher + ["/usr/bin/env", "GRPC_HOST=\(host)", "python3", "-u", script, "server"] + (tls.map { [$0.cert, $0.key] } ?? [])
        let child = try ChildProcess(executable: command[0], arguments: Array(command.dropFirst()),
                                     stdoutPath: dir.file("grpc-server-\(id).out"), stderrPath: dir.file("grpc-server-\(id).err"))
        guard let chosen = await child.announcedPort(timeout: .seconds(20)) else {
            await child.kill()
            throw HarnessError("gRPC server did not start (are grpcio and grpcio-health-checking installed? scripts/setup.sh): \(child.stderrTail())")
        }
        return GRPCServer(port: chosen, host: host, child: child)
    }
}

/// Runs `GRPCPeerScript` client scenarios, each a real grpcio client.
enum GRPCPeer {
    static func script(in dir: TempDirectory) throws -> String {
        let path = dir.file("grpcpeer.py")
        if !FileManager.default.fileExists(atPath: path) { try dir.write("grpcpeer.py", GRPCPeerScript.source) }
        return path
    }

    /// `grpcpeer.py client TARGET SCENARIO [CA]`: its JSON result.
    static func run(_ target: String, _ scenario: String, ca: String? = nil, in dir: TempDirectory,
                    timeout: Duration = .seconds(120)) async throws -> [String: Any] {
        let output = try await Tool.run("/usr/bin/env", ["python3", try script(in: dir), "client", target, scenario] + (ca.map { [$0] } ?? []),
                                        in: dir, timeout: timeout)
        let last = output.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let object = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any] else {
            throw HarnessError("gRPC client \(scenario) printed no result: \(output)")
        }
        return object
    }
}

/// A running `HTTP2UpstreamScript` server (Python's h2): an h2c upstream with small limits,
/// GOAWAYs and refused streams on demand.
final class HTTP2Upstream: Sendable {
    let port: Int
    let controlPort: Int
    let child: ChildProcess

    var endpoint: String { "127.0.0.1:\(port)" }

    private init(port: Int, controlPort: Int, child: ChildProcess) {
        self.port = port
        self.controlPort = controlPort
        self.child = child
    }

    static func start(in dir: TempDirectory, _ arguments: [String] = []) async throws -> HTTP2Upstream {
        let path = dir.file("h2upstream.py")
        if !FileManager.default.fileExists(atPath: path) { try dir.write("h2upstream.py", HTTP2UpstreamScript.source) }
        let id = UUID().uuidString
        let child = try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-u", path] + arguments,
                                     stdoutPath: dir.file("h2upstream-\(id).out"), stderrPath: dir.file("h2upstream-\(id).err"))
        guard let port = await child.announcedPort(timeout: .seconds(15)) else {
            await child.kill()
            throw HarnessError("h2 upstream did not start (is Python's h2 installed? scripts/setup.sh): \(child.stderrTail())")
        }
        let control = child.stdout.split(separator: "\n").first { $0.hasPrefix("CONTROL ") }.flatMap { Int($0.dropFirst(8)) }
        guard let control else { throw HarnessError("h2 upstream named no control port: \(child.stdout)") }
        return HTTP2Upstream(port: port, controlPort: control, child: child)
    }

    /// The server's counts (see `HTTP2UpstreamScript`).
    func stats(in dir: TempDirectory) async throws -> [String: Int] {
        let result = try await Curl.run(["http://127.0.0.1:\(controlPort)/"], in: dir)
        return (try? JSONSerialization.jsonObject(with: result.body) as? [String: Int]) ?? [:]
    }
}

extension Scenario {
    func grpcServer(tls: TLSTestCertificates.Pair? = nil, in namespace: NetworkNamespace? = nil) async throws -> GRPCServer {
        let server = try await GRPCServer.start(in: dir, tls: tls, host: namespace?.address ?? "127.0.0.1", launcher: namespace?.exec ?? [])
        track(server.child)
        return server
    }

    func http2Upstream(_ arguments: [String] = []) async throws -> HTTP2Upstream {
        let server = try await HTTP2Upstream.start(in: dir, arguments)
        track(server.child)
        return server
    }
}
