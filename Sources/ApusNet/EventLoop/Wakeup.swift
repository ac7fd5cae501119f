import CLinux
import Glibc

/// An eventfd another thread writes to wake a worker's `epoll_wait`.
///
/// `signal()` may be called from any thread; `drain()` only on the owning loop.
public final class Wakeup: Sendable {
    public let fd: Int32

    public init() throws(SystemError) {
        let fd = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard fd >= 0 else { throw SystemError("eventfd") }
        self.fd = fd
    }

    deinit { Posix.close(fd) }

    public func signal() {
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }

    public func drain() {
        var value: UInt64 = 0
        _ = read(fd, &value, 8)
    }
}
