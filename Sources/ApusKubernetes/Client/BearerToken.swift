import ApusNet
import Glibc

/// The bearer token of a `TokenSource`, re-read from its file when the file changes.
///
/// Projected service-account tokens rotate (the kubelet rewrites the file, by default
/// hourly, by swapping a symlink), so the file's identity is checked before each request
/// and at least once a minute the file is read again anyway. The token never leaves this
/// type except into the Authorization header.
/// Thread rule: any thread.
final class BearerToken: Sendable {
    private let source: KubernetesClientConfig.TokenSource?
    private let cache = Locked<(token: String?, signature: [Int], readAt: UInt64)>((nil, [], 0))

    init(_ source: KubernetesClientConfig.TokenSource?) {
        self.source = source
    }

    /// The current token, nil without one; throws when the token file cannot be read.
    func current(nowMilliseconds: UInt64) throws(KubernetesError) -> String? {
        switch source {
        case nil: return nil
        case .fixed(let token): return token
        case .file(let path):
            let signature = Self.signature(of: path)
            let cached = cache.withLock { $0 }
            if let token = cached.token, signature == cached.signature, nowMilliseconds &- cached.readAt < 60_000 {
                return token
            }
            let token = try Self.read(path)
            cache.withLock { $0 = (token, signature, nowMilliseconds) }
            return token
        }
    }

    /// Forgets the cached token (after a 401, so the next request reads the file again).
    func invalidate() {
        cache.withLock { $0 = (nil, [], 0) }
    }

    static func read(_ path: String) throws(KubernetesError) -> String {
        let text: String
        switch RegularFile.text(path, maximumBytes: 1 << 20) {
        case .success(let read): text = read
        case .failure(let failure): throw .configuration("cannot read the token file \(path): \(failure.reason)")
        }
        let token = text.trimmingWhitespace()
        guard !token.isEmpty else { throw .configuration("the token file \(path) is empty") }
        // A token goes into a header: a line break would split the request.
        guard token.utf8.allSatisfy({ $0 >= 0x21 && $0 < 0x7F }) else {
            throw .configuration("the token file \(path) holds characters a bearer token cannot have")
        }
        return token
    }

    /// Inode, size and modification time of what `path` points at (following symlinks).
    /// ApusConfigFile's `FileSignature` does the same for config files; this module may
    /// not import that one (DESIGN.md, Modules).
    private static func signature(of path: String) -> [Int] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        return [Int(info.st_dev), Int(info.st_ino), Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
