#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole config file as UTF-8 text, with the OS's reason when it cannot.
///
/// POSIX rather than Foundation so the reason is the short `strerror` text
/// ("No such file or directory") that ends up in the diagnostic.
enum ConfigFileReader {
    struct Failure: Error, Equatable {
        /// Human-readable, without the path (the diagnostic's location already has it).
        let reason: String
    }

    /// Far above any real config; stops `--config /dev/zero` from eating all memory.
    static let maximumBytes = 16 << 20

    static func contents(of path: String) -> Result<String, Failure> {
        bytes(of: path, maximumBytes: maximumBytes).flatMap { bytes in
            guard let text = String(validating: bytes, as: UTF8.self) else {
                return .failure(Failure(reason: "not valid UTF-8"))
            }
            return .success(text)
        }
    }

    /// The file's bytes, refusing more than `maximumBytes`, and anything but a regular file:
    /// opened non-blocking, so a FIFO in its place cannot stop the config thread in `open`
    /// (ApusNet's `RegularFile` does the same for certificates; this module may not import it).
    static func bytes(of path: String, maximumBytes: Int) -> Result<[UInt8], Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { return .failure(Failure(reason: errnoText())) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(Failure(reason: errnoText())) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure(Failure(reason: "not a regular file")) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(reason: errnoText()))
            }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > maximumBytes {
                let size = maximumBytes >= 1 << 20 ? "\(maximumBytes >> 20) MiB" : "\(maximumBytes >> 10) KiB"
                return .failure(Failure(reason: "larger than \(size)"))
            }
        }
        return .success(bytes)
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
