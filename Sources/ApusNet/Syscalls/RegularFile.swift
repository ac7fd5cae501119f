import Glibc

/// Reads a small file the control plane depends on (certificate, key, CA bundle, token,
/// kubeconfig) without ever blocking on it: opened non-blocking, refused unless it is a
/// regular file, and read only up to a size limit. A FIFO put where a certificate was used
/// to stop the config thread in `open` until someone wrote to it, with SIGHUP and SIGTERM
/// waiting behind it; `/dev/zero` would fill memory.
public enum RegularFile {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// Without the path, which the caller's message names.
        public var reason: String
        public var description: String { reason }
    }

    /// The whole file, at most `maximumBytes`.
    public static func read(_ path: String, maximumBytes: Int) -> Result<[UInt8], Failure> {
        // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { return .failure(Failure(reason: Posix.describe(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(Failure(reason: Posix.describe(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            return .failure(Failure(reason: "not a regular file (\(kind(info.st_mode)))"))
        }
        guard Int(info.st_size) <= maximumBytes else { return .failure(Failure(reason: "larger than \(size(maximumBytes))")) }
        // Room for what fstat saw plus one byte, to notice a file that grew; more on demand.
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var filled = 0
        while filled <= maximumBytes {
            if filled == bytes.count { bytes += [UInt8](repeating: 0, count: min(bytes.count, maximumBytes + 1 - bytes.count)) }
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(reason: Posix.describe(errno)))
            }
            filled += count
        }
        // The file may have grown since fstat.
        guard filled <= maximumBytes else { return .failure(Failure(reason: "larger than \(size(maximumBytes))")) }
        bytes.removeSubrange(filled...)
        return .success(bytes)
    }

    /// UTF-8 text (PEM, a token, YAML).
    public static func text(_ path: String, maximumBytes: Int) -> Result<String, Failure> {
        read(path, maximumBytes: maximumBytes).map { String(decoding: $0, as: UTF8.self) }
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO"
        case S_IFDIR: "a directory"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a plain file"
        }
    }

    private static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB"
    }
}
