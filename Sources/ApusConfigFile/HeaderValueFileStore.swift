import ApusCore

/// Reads the files header rules take values from (`value_from_file`), remembers each one's
/// last usable value, and notices when one changes, so a rotated token reaches the route
/// table without a configuration reload.
///
/// Control plane only (the serve loop polls it once a second). A file that turns unusable
/// (missing, empty, a line break in it) after it once gave a value keeps that value, and
/// the caller logs a warning; only a file that never gave one is a compile error. Values
/// are secrets: nothing here logs, and `HeaderValueFileProblem` names the path only.
public struct HeaderValueFileStore {
    private struct Entry {
        var signature: FileSignature
        var lastGood: [UInt8]?
        var reason: String?
    }

    private var entries: [String: Entry] = [:]

    public init() {}

    /// Reads every file of `paths` now (a configuration load) and returns the values to
    /// compile with.
    public mutating func read(_ paths: Set<String>) -> (HeaderValueFiles, [HeaderValueFileProblem]) {
        var problems: [HeaderValueFileProblem] = []
        for path in paths.sorted() {
            if let problem = refresh(path) { problems.append(problem) }
        }
        return (files(for: paths), problems)
    }

    /// Re-reads the files whose signature changed since the last look. Returns the problems
    /// of files that turned unusable (each is reported once per change).
    public mutating func poll() -> [HeaderValueFileProblem] {
        var problems: [HeaderValueFileProblem] = []
        for path in entries.keys.sorted() where FileSignature.of(path) != entries[path]?.signature {
            if let problem = refresh(path) { problems.append(problem) }
        }
        return problems
    }

    /// The values to compile with: each file's last usable value, or why it has none.
    public func files(for paths: Set<String>) -> HeaderValueFiles {
        var files = HeaderValueFiles()
        for path in paths {
            if let value = entries[path]?.lastGood {
                files[path] = .value(value)
            } else {
                files[path] = .unusable(reason: entries[path]?.reason ?? "not read")
            }
        }
        return files
    }

    /// Stops watching files no live configuration names.
    public mutating func forget(allBut paths: Set<String>) {
        entries = entries.filter { paths.contains($0.key) }
    }

    /// Reads one file; a problem only when a last good value is kept instead.
    private mutating func refresh(_ path: String) -> HeaderValueFileProblem? {
        // The signature is taken before reading: a write racing the read changes it again,
        // and the next poll reads once more.
        let signature = FileSignature.of(path)
        var entry = entries[path] ?? Entry(signature: signature)
        entry.signature = signature
        let result = ConfigFileReader.bytes(of: path, maximumBytes: 4 * HeaderValueFiles.maximumValueBytes)
            .mapError { HeaderValueFiles.UnusableValue($0.reason) }
            .flatMap(HeaderValueFiles.value(fromFileBytes:))
        var problem: HeaderValueFileProblem?
        switch result {
        case .success(let value):
            entry.lastGood = value
            entry.reason = nil
        case .failure(let unusable):
            entry.reason = unusable.reason
            if entry.lastGood != nil { problem = HeaderValueFileProblem(path: path, reason: unusable.reason) }
        }
        entries[path] = entry
        return problem
    }
}

/// A header value file that could not be used; its last good value stays in service.
public struct HeaderValueFileProblem: Equatable, Sendable {
    public var path: String
    /// Why, without the content ("No such file or directory", "is empty").
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}
