import CLinux
import Glibc

/// Opening, accepting and connecting non-blocking TCP sockets.
public enum Sockets {
    /// Unsent bytes a TCP socket may queue before a write returns EAGAIN (TCP_NOTSENT_LOWAT).
    /// Without it the kernel grows a socket's send buffer to megabytes (tcp_wmem), so a proxy
    /// copies a whole response out of the upstream before a slow client has read any of it:
    /// megabytes of kernel memory per connection, and the transmission to the client then runs
    /// in the client's ACK processing instead of the proxy's write. 16 KiB keeps one buffer's
    /// worth ahead of the wire, as HTTP/2 servers do for prioritisation; bytes in flight are not
    /// counted, so a long fat path still fills its window.
    public static let unsentBytesLimit: Int32 = 16_384

    /// A non-blocking listening socket with SO_REUSEADDR and SO_REUSEPORT, so that every
    /// worker binds its own and the kernel spreads connections between them.
    public static func listen(_ address: SocketAddress, backlog: Int32 = 1024, reusePort: Bool = true) throws(SystemError) -> Int32 {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if reusePort {
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        // Accepted sockets inherit it: no system call per connection.
        limitUnsentBytes(fd)
        let bound = address.withSockaddr { bind(fd, $0, $1) }
        guard bound == 0 else {
            let error = SystemError("bind", context: "\(address.hostText):\(address.port)")
            Posix.close(fd)
            throw error
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = SystemError("listen")
            Posix.close(fd)
            throw error
        }
        return fd
    }

    /// Accepts one connection, non-blocking (Nagle still on: see
    /// `DownstreamConnection.beforeWrite`). Returns -1 with `errno` set (EAGAIN when the
    /// queue is empty).
    @inlinable
    public static func accept(_ listener: Int32, peer: inout sockaddr_storage) -> Int32 {
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &peer) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                accept4(listener, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            }
        }
        return fd
    }

    @inlinable
    public static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    static func limitUnsentBytes(_ fd: Int32) {
        var limit = unsentBytesLimit
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NOTSENT_LOWAT, &limit, socklen_t(MemoryLayout<Int32>.size))
    }

    public enum ConnectStart {
        /// Connected at once (loopback sometimes does).
        case connected(Int32)
        /// In progress: wait for writability, then call `connectResult`.
        case inProgress(Int32)
        case failed(Int32)
    }

    /// Starts a non-blocking connect. A `receiveBufferBytes` above 0 fixes the socket's
    /// receive buffer (SO_RCVBUF, which the kernel doubles for its bookkeeping) before the
    /// handshake, so the window scale offered matches it; 0 leaves the kernel's autotuning.
    public static func connect(_ address: SocketAddress, receiveBufferBytes: Int32 = 0) -> ConnectStart {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed(errno) }
        setNoDelay(fd)
        limitUnsentBytes(fd)
        if receiveBufferBytes > 0 {
            var size = receiveBufferBytes
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let rc = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        if rc == 0 { return .connected(fd) }
        let e = errno
        if e == EINPROGRESS || e == EINTR { return .inProgress(fd) }
        Posix.close(fd)
        return .failed(e)
    }

    /// Whether a failed `connect` ran out of this process's or the machine's resources
    /// (descriptors, buffers, local ports) rather than being refused by the peer.
    public static func isLocalShortage(_ code: Int32) -> Bool {
        code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM || code == EADDRNOTAVAIL
    }

    /// The outcome of a connect once the socket turned writable: 0 or an errno.
    public static func connectResult(_ fd: Int32) -> Int32 {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0 { return errno }
        return code
    }

    /// Half-closes the write side (propagates end of stream).
    public static func shutdownWrite(_ fd: Int32) {
        _ = shutdown(fd, Int32(SHUT_WR))
    }
}
