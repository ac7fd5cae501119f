import ApusConfigFile
import ApusCore
import Foundation
import Testing

/// The store behind `value_from_file`, on real files: first read, change detection by `stat`
/// (rename and symlink swap as Kubernetes does), and last good values kept.
@Suite struct HeaderValueFileStoreTests {
    final class Directory {
        let path: String
        init() throws {
            path = NSTemporaryDirectory() + "/apus-hvf-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        /// Writes `text` to `name` through a temporary file and a rename (atomic).
        @discardableResult
        func write(_ name: String, _ text: String) throws -> String {
            let temporary = path + "/.tmp-" + UUID().uuidString
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path + "/" + name) == 0 else { throw CocoaError(.fileWriteUnknown) }
            return path + "/" + name
        }
    }

    static func value(_ files: HeaderValueFiles, _ path: String) -> String? {
        if case .value(let bytes) = files[path] { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// A first read trims the content; a missing file is unusable with the OS's reason and no problem
    /// (there is no last good value to keep: the compiler reports it).
    @Test func firstRead() throws {
        let directory = try Directory()
        let token = try directory.write("token", "abc\n")
        var store = HeaderValueFileStore()
        let (files, problems) = store.read([token, directory.path + "/missing"])
        #expect(Self.value(files, token) == "abc")
        #expect(files[directory.path + "/missing"] == .unusable(reason: "No such file or directory"))
        #expect(problems.isEmpty)
    }

    /// poll() re-reads a file replaced by rename; an unchanged file is not read again.
    @Test func pollSeesRename() throws {
        let directory = try Directory()
        let token = try directory.write("token", "one")
        var store = HeaderValueFileStore()
        _ = store.read([token])
        #expect(store.poll().isEmpty)
        try directory.write("token", "two\n")
        #expect(store.poll().isEmpty)
        #expect(Self.value(store.files(for: [token]), token) == "two")
    }

    /// A Kubernetes-style volume: the path goes through a `..data` symlink that is swapped atomically.
    @Test func pollSeesSymlinkSwap() throws {
        let directory = try Directory()
        try FileManager.default.createDirectory(atPath: directory.path + "/v1", withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: directory.path + "/v2", withIntermediateDirectories: false)
        try directory.write("v1/token", "first")
        try directory.write("v2/token", "second")
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/..data", withDestinationPath: "v1")
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/token", withDestinationPath: "..data/token")
        let token = directory.path + "/token"
        var store = HeaderValueFileStore()
        #expect(Self.value(store.read([token]).0, token) == "first")
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/..data_tmp", withDestinationPath: "v2")
        #expect(rename(directory.path + "/..data_tmp", directory.path + "/..data") == 0)
        _ = store.poll()
        #expect(Self.value(store.files(for: [token]), token) == "second")
    }

    /// A file that turns missing, empty or multi-line keeps its last good value; each change is
    /// reported once, by path and reason only; a good value afterwards is taken.
    @Test func lastGoodValueKept() throws {
        let directory = try Directory()
        let token = try directory.write("token", "good-secret")
        var store = HeaderValueFileStore()
        _ = store.read([token])
        let changes: [(write: String?, reason: String)] = [
            (nil, "No such file or directory"), ("\n", "is empty"), ("a\nb\n", "contains a line break (CR or LF)"),
        ]
        for change in changes {
            if let text = change.write { try directory.write("token", text) } else { try FileManager.default.removeItem(atPath: token) }
            let problems = store.poll()
            #expect(problems == [HeaderValueFileProblem(path: token, reason: change.reason)])
            #expect(store.poll().isEmpty, "reported once per change")
            #expect(Self.value(store.files(for: [token]), token) == "good-secret")
        }
        // A configuration reload while the file is bad keeps the last good value too.
        let (files, problems) = store.read([token])
        #expect(Self.value(files, token) == "good-secret")
        #expect(problems.map(\.reason) == ["contains a line break (CR or LF)"])
        try directory.write("token", "new-secret")
        #expect(store.poll().isEmpty)
        #expect(Self.value(store.files(for: [token]), token) == "new-secret")
        #expect(!"\(problems)".contains("secret"))
    }

    /// forget(allBut:) stops watching files no live configuration names.
    @Test func forget() throws {
        let directory = try Directory()
        let a = try directory.write("a", "1")
        let b = try directory.write("b", "2")
        var store = HeaderValueFileStore()
        _ = store.read([a, b])
        store.forget(allBut: [a])
        #expect(store.files(for: [b])[b] == .unusable(reason: "not read"))
        #expect(Self.value(store.files(for: [a]), a) == "1")
    }
}
