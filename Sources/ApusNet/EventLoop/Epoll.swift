import CLinux
import Glibc

/// One epoll instance and its event array; owned by one worker thread.
///
/// Every fd is registered once, edge-triggered, for input and output
/// (`EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET`), so interest never changes with backpressure:
/// the owner remembers readiness instead of calling `epoll_ctl` (haproxy `_update_fd`).
public struct Epoll: ~Copyable {
    public let fd: Int32
    public let events: UnsafeMutablePointer<epoll_event>
    public let capacity: Int32

    public static let readable = UInt32(EPOLLIN.rawValue)
    public static let writable = UInt32(EPOLLOUT.rawValue)
    public static let hangup = UInt32(EPOLLRDHUP.rawValue) | UInt32(EPOLLHUP.rawValue)
    public static let error = UInt32(EPOLLERR.rawValue)
    public static let edgeReadable = UInt32(EPOLLIN.rawValue) | UInt32(EPOLLET.rawValue)
    public static let edgeAll = UInt32(EPOLLIN.rawValue) | UInt32(EPOLLOUT.rawValue) | UInt32(EPOLLRDHUP.rawValue) | UInt32(EPOLLET.rawValue)

    public init(capacity: Int32 = 512) throws(SystemError) {
        let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw SystemError("epoll_create1") }
        self.fd = fd
        self.capacity = capacity
        self.events = .allocate(capacity: Int(capacity))
    }

    deinit {
        events.deallocate()
        Posix.close(fd)
    }

    /// Registers `socket` with the given interest and the 64-bit tag returned with its events.
    @discardableResult
    public func add(_ socket: Int32, events mask: UInt32, tag: UInt64) -> Bool {
        var event = epoll_event()
        event.events = mask
        event.data.u64 = tag
        return epoll_ctl(fd, EPOLL_CTL_ADD, socket, &event) == 0
    }

    public func remove(_ socket: Int32) {
        var event = epoll_event()
        _ = epoll_ctl(fd, EPOLL_CTL_DEL, socket, &event)
    }

    /// Waits up to `timeoutMilliseconds` (-1 = forever); returns the number of events ready.
    public func wait(timeoutMilliseconds: Int32) -> Int {
        let n = epoll_wait(fd, events, capacity, timeoutMilliseconds)
        return n < 0 ? 0 : Int(n)
    }
}
