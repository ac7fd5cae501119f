import ApusNet
import Foundation
import Testing

@Suite struct LibraryLinkTests {
    /// OpenSSL is linked and accepts the TLS 1.2 minimum.
    @Test func openSSLContext() {
        #expect(LibraryVersions.openSSL.hasPrefix("OpenSSL 3"))
        #expect(LibraryVersions.openSSLWorks())
    }

    /// zlib output is real gzip: the system's gzip decompresses it to the original bytes.
    @Test func gzipRoundTripThroughSystemGzip() throws {
        let original = Array(String(repeating: "Apus compresses text responses. ", count: 2000).utf8)
        let compressed = try #require(LibraryVersions.gzip(original))
        #expect(compressed.count < original.count / 10)
        #expect(compressed.prefix(2) == [0x1F, 0x8B])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("apus-gzip-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("data.gz")
        try Data(compressed).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-d", "-c", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(Array(output) == original)
    }
}
