import Foundation

/// A fresh directory under the system temp dir, owned by one test and removed by `remove()`.
///
/// Set `APUS_E2E_KEEP=1` to keep the directories (configs, logs) for a post-mortem.
struct TempDirectory: Sendable {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/apus-e2e-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let created else { throw HarnessError("mkdtemp failed: errno \(errno)") }
        path = String(cString: created)
    }

    /// A directory someone else made (or will make), under the same removal rule.
    init(existing path: String) {
        self.path = path
    }

    /// `path/name`.
    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `path/name` (creating parent directories) and returns the full path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, Data(text.utf8))
    }

    /// Writes `data` to `path/name` (creating parent directories) and returns the full path.
    @discardableResult
    func write(_ name: String, _ data: Data) throws -> String {
        let full = file(name)
        let parent = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: full))
        return full
    }

    /// Reads `path/name` as UTF-8 ("" when missing).
    func read(_ name: String) -> String {
        (try? String(contentsOfFile: file(name), encoding: .utf8)) ?? ""
    }

    func remove() {
        if ProcessInfo.processInfo.environment["APUS_E2E_KEEP"] == "1" { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}
