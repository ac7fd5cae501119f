import ApusNet
import Glibc
import Synchronization

/// Writes access-log lines on its own thread, so a slow disk or a full pipe never blocks a
/// worker's loop.
///
/// Workers fill a per-worker buffer and hand it over (`submit`) when it grows or once a
/// second; the writer thread wakes every 100 ms and writes everything queued. When more
/// than `maxQueuedBytes` wait, new lines are dropped and counted rather than stalling.
/// Thread rule: `submit` from any thread.
public final class AccessLogWriter: Sendable {
    private let fd: Int32
    private let queue = Locked<(chunks: [[UInt8]], bytes: Int, dropped: Int)>(([], 0, 0))
    private let stopping = Atomic<Bool>(false)
    private let maxQueuedBytes = 64 << 20

    /// Opens `path` for appending (nil or "-" = standard output).
    public init(path: String?) throws(SystemError) {
        if let path, path != "-" {
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SystemError("open", context: path) }
            self.fd = fd
        } else {
            self.fd = STDOUT_FILENO
        }
    }

    public func start() {
        spawnDetachedThread { [self] in
            while !stopping.load(ordering: .acquiring) {
                usleep(100_000)
                flush()
            }
            flush()
        }
    }

    func submit(_ chunk: [UInt8]) {
        queue.withLock { q in
            if q.bytes + chunk.count > maxQueuedBytes {
                q.dropped += 1
                return
            }
            q.chunks.append(chunk)
            q.bytes += chunk.count
        }
    }

    /// Writes everything queued (also called at exit).
    public func flush() {
        let chunks = queue.withLock { q -> [[UInt8]] in
            let taken = q.chunks
            q.chunks.removeAll()
            q.bytes = 0
            return taken
        }
        for chunk in chunks {
            chunk.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n <= 0 {
                        if n < 0 && errno == EINTR { continue }
                        return
                    }
                    offset += n
                }
            }
        }
    }

    public func stop() {
        stopping.store(true, ordering: .releasing)
        flush()
    }
}
