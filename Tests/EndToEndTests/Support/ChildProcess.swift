import Foundation

/// One spawned program with stdout and stderr captured to files; waits without blocking a thread.
///
/// Always SIGKILLed by `kill()` or, as a backstop, when the last reference goes away, so a failing
/// test never leaves a proxy or backend running.
final class ChildProcess: @unchecked Sendable {
    /// How the program ended.
    enum Exit: Equatable, Sendable, CustomStringConvertible {
        case code(Int32)
        case signal(Int32)
        var description: String {
            switch self {
            case .code(let code): "exit code \(code)"
            case .signal(let signal): "killed by signal \(signal)"
            }
        }
    }

    let pid: Int32
    /// True when the program leads its own process group (shell pipelines), so signals go to the whole group.
    let isGroupLeader: Bool
    let stdoutPath: String
    let stderrPath: String
    private let process: Process
    private let exitState = Locked<Exit?>(nil)

    /// Starts `executable` with `arguments`; stdin comes from `stdinPath` or /dev/null. With
    /// `ownProcessGroup` it runs under `setsid` so `kill()` also reaches the programs it starts.
    init(executable: String, arguments: [String], stdoutPath: String, stderrPath: String,
         stdinPath: String? = nil, workingDirectory: String? = nil, environment: [String: String] = [:],
         ownProcessGroup: Bool = false) throws {
        isGroupLeader = ownProcessGroup
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
        let process = Process()
        // setsid execs in place (the child is not a group leader yet), so the pid stays the same.
        process.executableURL = URL(fileURLWithPath: ownProcessGroup ? "/usr/bin/setsid" : executable)
        process.arguments = ownProcessGroup ? [executable] + arguments : arguments
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = try Self.openForWriting(stdoutPath)
        let err = try Self.openForWriting(stderrPath)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdinPath.flatMap { FileHandle(forReadingAtPath: $0) } ?? FileHandle.nullDevice
        let state = exitState
        process.terminationHandler = { finished in
            let exit: Exit = finished.terminationReason == .exit
                ? .code(finished.terminationStatus) : .signal(finished.terminationStatus)
            state.withLock { $0 = exit }
        }
        do {
            try process.run()
        } catch {
            throw HarnessError("cannot start \(executable): \(error)")
        }
        try? out.close()
        try? err.close()
        self.process = process
        self.pid = process.processIdentifier
    }

    /// Opens (creating or truncating) a capture file without replacing special files like /dev/null.
    private static func openForWriting(_ path: String) throws -> FileHandle {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HarnessError("cannot open \(path) for writing: errno \(errno)") }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    deinit {
        if exit == nil { Foundation.kill(isGroupLeader ? -pid : pid, SIGKILL) }
    }

    /// How it ended, or nil while running.
    var exit: Exit? { exitState.withLock { $0 } }

    var isRunning: Bool { exit == nil }

    /// Sends `signal` (SIGTERM, SIGHUP, ...) unless it already ended.
    func send(_ signal: Int32) {
        if exit == nil { Foundation.kill(pid, signal) }
    }

    /// Waits up to `timeout` for the program to end; nil when it is still running.
    func waitForExit(timeout: Duration) async -> Exit? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let exit { return exit }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return exit
    }

    /// SIGKILL and wait for it to be reaped.
    func kill() async {
        if isGroupLeader, exit == nil { Foundation.kill(-pid, SIGKILL) }
        send(SIGKILL)
        _ = await waitForExit(timeout: .seconds(5))
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// The last `lines` lines of stderr, for failure messages.
    func stderrTail(_ lines: Int = 40) -> String {
        stderr.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

extension ChildProcess {
    /// The port a test peer announces as its first line, `PORT <n>`, once listening; nil when
    /// it exited first or `timeout` passed (the caller kills it and says why).
    func announcedPort(timeout: Duration = .seconds(10)) async -> Int? {
        var port: Int?
        _ = await eventually(timeout: timeout, interval: .milliseconds(20)) {
            if let line = stdout.split(separator: "\n").first, line.hasPrefix("PORT "), let value = Int(line.dropFirst(5)) {
                port = value
                return true
            }
            return !isRunning
        }
        return port
    }
}
