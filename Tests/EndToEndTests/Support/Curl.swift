import Foundation

/// Runs the real `curl` binary and returns status, headers and body as curl saw them.
struct Curl: Sendable {
    /// What one curl run produced.
    struct Result: Sendable, CustomStringConvertible {
        var exitCode: Int32
        /// The final status (`%{http_code}`), 0 when no response.
        var status: Int
        /// Every header block received (1xx interim responses first), as raw text.
        var headerBlocks: [String]
        /// Headers of the final response.
        var headers: [(name: String, value: String)]
        /// The body, unless it was written to a file with `outputPath`.
        var body: Data
        var stderr: String
        /// `%{time_total}` in seconds.
        var totalTime: Double

        func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
        var bodyText: String { String(decoding: body, as: UTF8.self) }
        var description: String { "curl exit \(exitCode), status \(status), \(body.count) body bytes, stderr: \(stderr)" }
    }

    /// Runs `curl -sS <arguments>`; the body goes to `outputPath` when given (for big downloads),
    /// stdin is piped from `stdinCommand` (a shell command) when given (for streamed uploads).
    static func run(_ arguments: [String], in dir: TempDirectory, outputPath: String? = nil,
                    stdinCommand: String? = nil, timeout: Duration = .seconds(30)) async throws -> Result {
        let id = UUID().uuidString
        let headerPath = dir.file("curl-\(id).headers")
        let bodyPath = outputPath ?? dir.file("curl-\(id).body")
        let writeOut = "\n%{http_code} %{time_total}"
        let curlArguments = ["-sS", "-D", headerPath, "-o", bodyPath, "-w", writeOut] + arguments
        let child: ChildProcess
        if let stdinCommand {
            let line = stdinCommand + " | curl " + curlArguments.map(shellQuote).joined(separator: " ")
            child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", line],
                                     stdoutPath: dir.file("curl-\(id).out"), stderrPath: dir.file("curl-\(id).err"),
                                     ownProcessGroup: true)
        } else {
            child = try ChildProcess(executable: "/usr/bin/curl", arguments: curlArguments,
                                     stdoutPath: dir.file("curl-\(id).out"), stderrPath: dir.file("curl-\(id).err"))
        }
        guard let exit = await child.waitForExit(timeout: timeout) else {
            await child.kill()
            throw HarnessError("curl \(arguments.joined(separator: " ")) did not finish within \(timeout)")
        }
        let exitCode: Int32 = if case .code(let code) = exit { code } else { -1 }
        let out = child.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let parts = out.split(separator: " ")
        let headerText = (try? String(contentsOfFile: headerPath, encoding: .utf8)) ?? ""
        let blocks = headerText.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }
        var headers: [(name: String, value: String)] = []
        for line in (blocks.last ?? "").components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let body = outputPath == nil ? ((try? Data(contentsOf: URL(fileURLWithPath: bodyPath))) ?? Data()) : Data()
        return Result(exitCode: exitCode, status: parts.first.flatMap { Int($0) } ?? 0, headerBlocks: blocks,
                      headers: headers, body: body, stderr: child.stderr,
                      totalTime: parts.count > 1 ? Double(parts[1]) ?? 0 : 0)
    }

    static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// sha256 of a file, via Python's hashlib (OpenSSL, several times faster here than coreutils sha256sum).
func sha256(ofFile path: String) async throws -> String {
    let dir = (path as NSString).deletingLastPathComponent
    let id = UUID().uuidString
    let script = "import hashlib,sys\nh=hashlib.sha256()\nf=open(sys.argv[1],'rb')\nwhile True:\n b=f.read(1<<20)\n if not b: break\n h.update(b)\nprint(h.hexdigest())"
    let child = try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", script, path],
                                 stdoutPath: dir + "/.sha-\(id).out", stderrPath: dir + "/.sha-\(id).err")
    defer {
        try? FileManager.default.removeItem(atPath: child.stdoutPath)
        try? FileManager.default.removeItem(atPath: child.stderrPath)
    }
    guard await child.waitForExit(timeout: .seconds(60)) == .code(0) else {
        throw HarnessError("hashing \(path) failed: \(child.stderr)")
    }
    return String(child.stdout.prefix(64))
}
