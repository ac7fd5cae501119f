import Testing
@testable import ApusHTTP

/// Path normalization: decoding, dot segments, slashes, and the paths it refuses.
struct PathNormalizerTests {
    static func normalize(_ path: String) -> String? {
        let input = Array(path.utf8)
        var output = [UInt8](repeating: 0, count: max(input.count, 1))
        let length = input.withUnsafeBytes { i in
            output.withUnsafeMutableBytes { PathNormalizer.normalize(i, into: $0) }
        }
        return length.map { String(decoding: output[0..<$0], as: UTF8.self) }
    }

    /// Each path normalizes to the expected form.
    @Test(arguments: [
        ("/", "/"), ("/a/b", "/a/b"), ("/a/b/", "/a/b/"), ("/a//b///c", "/a/b/c"),
        ("/a/./b", "/a/b"), ("/a/../b", "/b"), ("/a/b/..", "/a/"), ("/a/b/.", "/a/b/"),
        ("/a/%2e%2E/b", "/b"), ("/a/.%2e/b", "/b"), ("/%61%62c", "/abc"), ("/a%20b", "/a b"),
        ("/a?x=/../..", "/a"), ("/a/b?", "/a/b"), ("/a#frag", "/a"), ("/./", "/"), ("//", "/"),
        ("/a/..", "/"), ("/a/...", "/a/..."), ("/.a/..b", "/.a/..b"), ("/%2e", "/"),
        ("/a/b/../../c", "/c"), ("/%C3%A9", "/\u{e9}"),
    ])
    func normalizes(_ path: String, _ expected: String) {
        #expect(Self.normalize(path) == expected)
    }

    /// Invalid paths, encoded slashes and NULs, and escapes above the root are refused.
    @Test(arguments: [
        "", "a/b", "*", "/%00", "/a%2Fb", "/a%2fb", "/%", "/%4", "/%zz", "/%4g", "/..", "/../a", "/a/../..",
        "/%2e%2e", "/a/%2E%2E/%2e%2e/b", "/a\u{0}b", "/a b", "/a\u{7f}", "/\t",
    ])
    func rejects(_ path: String) {
        #expect(Self.normalize(path) == nil)
    }
}
