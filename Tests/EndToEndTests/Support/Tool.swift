import Foundation

/// Runs a command-line tool to completion (openssl, python3) and returns what it printed.
enum Tool {
    struct Output: Sendable {
        var exit: ChildProcess.Exit?
        var stdout: String
        var stderr: String
        var succeeded: Bool { exit == .code(0) }
    }

    static func run(_ executable: String, _ arguments: [String], in dir: TempDirectory, stdin: String? = nil,
                    timeout: Duration = .seconds(30)) async throws -> Output {
        let id = UUID().uuidString
        var stdinPath: String?
        if let stdin { stdinPath = try dir.write("tool-\(id).in", stdin) }
        let child = try ChildProcess(executable: executable, arguments: arguments,
                                     stdoutPath: dir.file("tool-\(id).out"), stderrPath: dir.file("tool-\(id).err"),
                                     stdinPath: stdinPath)
        let exit = await child.waitForExit(timeout: timeout)
        if exit == nil { await child.kill() }
        return Output(exit: exit, stdout: child.stdout, stderr: child.stderr)
    }
}
