import Foundation

/// One running `apus` binary: writes its config, spawns it, waits until its listeners accept,
/// and stops it (SIGTERM, then SIGKILL at the latest when the test ends).
final class ApusProcess: Sendable {
    let child: ChildProcess
    /// The config file `apus serve --config` reads (rewrite it to trigger reloads).
    let configPath: String
    let dir: TempDirectory

    var pid: Int32 { child.pid }

    private init(child: ChildProcess, configPath: String, dir: TempDirectory) {
        self.child = child
        self.configPath = configPath
        self.dir = dir
    }

    /// `apus serve --config <dir>/apus.yaml` with `yaml`, waiting until every port in `waitFor` accepts.
    /// `launcher` prefixes the command (`prlimit --nofile=...` runs it under other limits).
    static func serve(config yaml: String, in dir: TempDirectory, waitFor ports: [Int], launcher: [String] = []) async throws -> ApusProcess {
        let configPath = try dir.write("apus.yaml", yaml)
        return try await launch(["serve", "--config", configPath], in: dir, waitFor: ports, configPath: configPath, launcher: launcher)
    }

    /// `apus <arguments>` (e.g. quick mode), waiting until every port in `waitFor` accepts.
    /// It runs with `/` as working directory, so relative paths in a config must resolve against
    /// the config file's directory, as the contract says, not by accident against the cwd.
    static func launch(_ arguments: [String], in dir: TempDirectory, waitFor ports: [Int],
                       configPath: String = "", launcher: [String] = []) async throws -> ApusProcess {
        let command = launcher + [try ApusBinary.path()] + arguments
        let child = try ChildProcess(executable: command[0], arguments: Array(command.dropFirst()),
                                     stdoutPath: dir.file("apus.stdout"), stderrPath: dir.file("apus.stderr"),
                                     workingDirectory: "/")
        let process = ApusProcess(child: child, configPath: configPath, dir: dir)
        let ready = await eventually(timeout: .seconds(10), interval: .milliseconds(50)) {
            !child.isRunning || ports.allSatisfy { RawConnection.accepts(port: $0) }
        }
        if let exit = child.exit {
            throw HarnessError("apus \(arguments.joined(separator: " ")) exited (\(exit)) before listening on \(ports); stderr:\n\(child.stderrTail())")
        }
        if !ready {
            await child.kill()
            throw HarnessError("apus \(arguments.joined(separator: " ")) did not accept on \(ports) within 10 s; stderr:\n\(child.stderrTail())")
        }
        return process
    }

    /// Runs `apus <arguments>` to completion (for `validate`), returning exit and both outputs.
    static func runToCompletion(_ arguments: [String], in dir: TempDirectory,
                                timeout: Duration = .seconds(30)) async throws -> (exit: ChildProcess.Exit, stdout: String, stderr: String) {
        let id = UUID().uuidString
        let child = try ChildProcess(executable: try ApusBinary.path(), arguments: arguments,
                                     stdoutPath: dir.file("run-\(id).stdout"), stderrPath: dir.file("run-\(id).stderr"),
                                     workingDirectory: dir.path)
        guard let exit = await child.waitForExit(timeout: timeout) else {
            await child.kill()
            throw HarnessError("apus \(arguments.joined(separator: " ")) did not finish within \(timeout)")
        }
        return (exit, child.stdout, child.stderr)
    }

    /// Replaces the config file atomically (write + rename), as an editor or ConfigMap update does.
    func rewriteConfig(_ yaml: String) throws {
        let temporary = configPath + ".tmp-\(UUID().uuidString)"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, configPath) == 0 else { throw HarnessError("rename onto \(configPath) failed: errno \(errno)") }
    }

    func send(_ signal: Int32) { child.send(signal) }

    /// Rewrites the config, sends SIGHUP, and waits until `GET /marker` on `port` answers
    /// `marker` (the config's `ApusConfig.markerPath`): true once the new table serves.
    func reload(_ yaml: String, untilMarker marker: String, port: Int) async throws -> Bool {
        try rewriteConfig(yaml)
        send(SIGHUP)
        return try await eventually(timeout: .seconds(4)) {
            try await HTTPClient.request(port: port, path: "/marker").bodyText == marker
        }
    }

    /// SIGTERM, then wait up to `timeout` for exit (nil = still running; the caller decides).
    func terminate(timeout: Duration = .seconds(15)) async -> ChildProcess.Exit? {
        child.send(SIGTERM)
        return await child.waitForExit(timeout: timeout)
    }

    func kill() async { await child.kill() }

    /// Resident set size in KiB from /proc/PID/status (nil once it is gone).
    func residentKiB() -> Int? { EndToEndTests.residentKiB(ofProcess: pid) }

    var stderr: String { child.stderr }
    var stdout: String { child.stdout }
    func stderrTail(_ lines: Int = 40) -> String { child.stderrTail(lines) }
}

/// VmRSS of `pid` in KiB from /proc/PID/status (nil once it is gone).
func residentKiB(ofProcess pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
    return nil
}
