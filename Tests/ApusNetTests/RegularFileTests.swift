import ApusNet
import Foundation
import Testing

/// Control-plane files are read without blocking and within bounds.
@Suite struct RegularFileTests {
    static func temporary(_ name: String) -> String { NSTemporaryDirectory() + "/apus-regular-file-\(getpid())-\(name)" }

    @Test func readsAWholeFileUpToTheLimit() throws {
        let path = Self.temporary("pem")
        defer { unlink(path) }
        let text = String(repeating: "x", count: 5_000)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect((try? RegularFile.text(path, maximumBytes: 5_000).get()) == text)
        guard case .failure(let failure) = RegularFile.read(path, maximumBytes: 4_999) else {
            Issue.record("a file over the limit was read")
            return
        }
        #expect(failure.reason == "larger than 4 KiB")
    }

    /// A FIFO nobody writes to is refused at once (a blocking open would wait for a writer);
    /// so are directories and devices.
    @Test func refusesWhatIsNotARegularFile() throws {
        let fifo = Self.temporary("fifo")
        unlink(fifo)
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        for (path, kind) in [(fifo, "a FIFO"), ("/", "a directory"), ("/dev/zero", "a character device")] {
            guard case .failure(let failure) = RegularFile.read(path, maximumBytes: 1 << 20) else {
                Issue.record("\(path) was read")
                continue
            }
            #expect(failure.reason == "not a regular file (\(kind))")
        }
        guard case .failure(let missing) = RegularFile.read(Self.temporary("missing"), maximumBytes: 10) else {
            Issue.record("a missing file was read")
            return
        }
        #expect(missing.reason == "No such file or directory")
    }

    /// Files whose size stat does not know (procfs says 0) are read whole all the same.
    @Test func readsFilesOfUnknownSize() throws {
        let status = try #require(try? RegularFile.text("/proc/self/status", maximumBytes: 1 << 20).get())
        #expect(status.hasPrefix("Name:") && status.contains("\nPid:"))
    }
}
