import CLinux
import CShims
import Glibc

/// Result of a non-blocking read or write.
public enum IOResult: Equatable, Sendable {
    /// This many bytes moved (> 0).
    case bytes(Int)
    /// The socket would block; wait for readiness.
    case wouldBlock
    /// Orderly shutdown by the peer (read returned 0).
    case endOfStream
    /// Any other failure (ECONNRESET, EPIPE, ...), with errno.
    case failed(Int32)
}

/// Thin wrappers around the syscalls the loop uses; they retry EINTR and turn errno into values.
///
/// Kept `@inline(__always)`-free and small so profiles show them by name.
public enum Posix {
    /// Reads from a socket. recvfrom rather than read: read(2) goes through the VFS
    /// (file-position lock, fsnotify and permission hooks) before reaching the socket.
    @inlinable
    public static func receive(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> IOResult {
        while true {
            let n = capus_recv(fd, buffer, count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .endOfStream }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
            return .failed(e)
        }
    }

    @inlinable
    public static func send(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> IOResult {
        while true {
            let n = capus_send(fd, buffer, count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return .bytes(n) }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
            return .failed(e)
        }
    }

    /// Gathers two pieces into one syscall (head + body), the common case of a response.
    @inlinable
    public static func writev2(
        _ fd: Int32, _ a: UnsafeRawPointer, _ aCount: Int, _ b: UnsafeRawPointer, _ bCount: Int
    ) -> IOResult {
        if bCount == 0 { return send(fd, a, aCount) }
        if aCount == 0 { return send(fd, b, bCount) }
        var vectors = (
            iovec(iov_base: UnsafeMutableRawPointer(mutating: a), iov_len: aCount),
            iovec(iov_base: UnsafeMutableRawPointer(mutating: b), iov_len: bCount))
        return withUnsafeMutableBytes(of: &vectors) { raw in
            let iov = raw.baseAddress!.assumingMemoryBound(to: iovec.self)
            while true {
                let n = capus_writev(fd, iov, 2)
                if n >= 0 { return .bytes(n) }
                let e = errno
                if e == EINTR { continue }
                if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
                return .failed(e)
            }
        }
    }

    /// Sends `count` bytes of a file from `offset` (advanced) to a socket.
    public static func sendfile(_ socket: Int32, _ file: Int32, _ offset: inout Int, _ count: Int) -> IOResult {
        while true {
            var off = off_t(offset)
            let n = Glibc.sendfile(socket, file, &off, count)
            if n > 0 {
                offset = Int(off)
                return .bytes(n)
            }
            if n == 0 { return .endOfStream }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
            return .failed(e)
        }
    }

    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// The text of an errno value.
    public static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
