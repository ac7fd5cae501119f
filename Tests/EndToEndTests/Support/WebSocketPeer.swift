import Foundation

/// A running `WebSocketScript` echo server (Python `websockets`) on loopback.
final class WebSocketServer: Sendable {
    let port: Int
    let child: ChildProcess

    /// `127.0.0.1:port`, as written in an upstream's endpoints.
    var endpoint: String { "127.0.0.1:\(port)" }

    private init(port: Int, child: ChildProcess) {
        self.port = port
        self.child = child
    }

    /// The `CLOSED <path> <code> <reason>` lines so far: the close frames clients sent.
    var closes: [String] {
        child.stdout.split(separator: "\n").filter { $0.hasPrefix("CLOSED ") }.map { String($0.dropFirst(7)) }
    }

    /// The `OPENED <path> <authorization>` lines so far: what each handshake carried.
    var opens: [String] {
        child.stdout.split(separator: "\n").filter { $0.hasPrefix("OPENED ") }.map { String($0.dropFirst(7)) }
    }

    /// Starts the server; with `tls` it speaks wss with that certificate.
    static func start(in dir: TempDirectory, tls: TLSTestCertificates.Pair? = nil) async throws -> WebSocketServer {
        let script = try WebSocketPeer.script(in: dir)
        let environment = tls.map { ["WS_CERT": $0.cert, "WS_KEY": $0.key] } ?? [:]
        let child = try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-u", script, "server", "ws"],
                                     stdoutPath: dir.file("ws-server.out"), stderrPath: dir.file("ws-server.err"),
                                     environment: environment)
        guard let chosen = await child.announcedPort(timeout: .seconds(15)) else {
            await child.kill()
            throw HarnessError("websocket server did not start (is the websockets package installed? scripts/setup.sh): \(child.stderrTail())")
        }
        return WebSocketServer(port: chosen, child: child)
    }
}

/// Runs `WebSocketScript` client scenarios, each a real `websockets` client.
enum WebSocketPeer {
    /// Writes the script into `dir` once; returns its path.
    static func script(in dir: TempDirectory) throws -> String {
        let path = dir.file("ws.py")
        if !FileManager.default.fileExists(atPath: path) { try dir.write("ws.py", WebSocketScript.source) }
        return path
    }

    /// Starts `ws.py client URL SCENARIO ARGS` without waiting for it; a wss:// URL trusts `trustedCA`.
    static func startClient(url: String, scenario: String, arguments: [String] = [], trustedCA: String? = nil,
                            connectHost: String? = nil, in dir: TempDirectory) throws -> ChildProcess {
        let id = UUID().uuidString
        var environment: [String: String] = [:]
        if let trustedCA { environment["WS_CA"] = trustedCA }
        if let connectHost { environment["WS_CONNECT_HOST"] = connectHost }
        return try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-u", try script(in: dir), "client", url, scenario] + arguments,
                                stdoutPath: dir.file("ws-client-\(id).out"), stderrPath: dir.file("ws-client-\(id).err"),
                                environment: environment)
    }

    /// Waits for a started client and parses the JSON object on its last line.
    static func result(of child: ChildProcess, scenario: String, timeout: Duration) async throws -> [String: Any] {
        guard await child.waitForExit(timeout: timeout) != nil else {
            await child.kill()
            throw HarnessError("websocket client \(scenario) did not finish within \(timeout); stderr: \(child.stderrTail())")
        }
        let last = child.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let object = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any] else {
            throw HarnessError("websocket client \(scenario) printed no result (\(child.exit.map(String.init(describing:)) ?? "?")); stderr: \(child.stderrTail())")
        }
        return object
    }
}

extension Scenario {
    /// Starts a `websockets` echo server, killed when the test ends.
    func webSocketServer(tls: TLSTestCertificates.Pair? = nil) async throws -> WebSocketServer {
        let server = try await WebSocketServer.start(in: dir, tls: tls)
        track(server.child)
        return server
    }

    /// Runs a `websockets` client scenario against `url` and returns its JSON result.
    func webSocketClient(_ url: String, _ scenario: String, _ arguments: [String] = [], trustedCA: String? = nil,
                         connectHost: String? = nil, timeout: Duration = .seconds(60)) async throws -> [String: Any] {
        let child = try WebSocketPeer.startClient(url: url, scenario: scenario, arguments: arguments, trustedCA: trustedCA,
                                                  connectHost: connectHost, in: dir)
        track(child)
        return try await WebSocketPeer.result(of: child, scenario: scenario, timeout: timeout)
    }
}
