import ApusNet
import Foundation
import Glibc
import Testing

/// Which addresses count as this host's loopback, and the receive buffer a connect sets.
@Suite struct SocketsConnectTests {
    @Test(arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("127.255.255.254", true), ("::1", true),
        ("::ffff:127.0.0.1", true),
        ("10.0.0.1", false), ("0.0.0.0", false), ("128.0.0.1", false), ("::", false), ("::2", false),
        ("::ffff:10.0.0.1", false), ("2001:db8::1", false), ("fe80::1", false), ("::127.0.0.1", false),
    ])
    func loopbackAddresses(host: String, loopback: Bool) throws {
        let address = try #require(SocketAddress(host: host, port: 80))
        #expect(address.isLoopback == loopback, "\(host)")
    }

    /// SO_RCVBUF as the kernel reports it for a socket connected with `receiveBufferBytes`.
    private func receiveBuffer(connectingWith receiveBufferBytes: Int32) throws -> Int32 {
        let listener = try Sockets.listen(SocketAddress(host: "127.0.0.1", port: 0)!, reusePort: false)
        defer { close(listener) }
        var bound = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let target = SocketAddress(storage: bound, length: length)
        let fd: Int32
        switch Sockets.connect(target, receiveBufferBytes: receiveBufferBytes) {
        case .connected(let connected), .inProgress(let connected): fd = connected
        case .failed(let code): throw SystemError("connect", code: code)
        }
        defer { close(fd) }
        var size: Int32 = 0
        var sizeLength = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &sizeLength)
        return size
    }

    /// The kernel doubles the size asked for (half is its bookkeeping); without one it keeps
    /// its own default (tcp_rmem's middle value), which is what autotuning starts from.
    /// Sizes up to net.core.rmem_max (212,992 by default) are taken as asked.
    @Test func receiveBufferIsSetOnlyWhenAsked() throws {
        #expect(try receiveBuffer(connectingWith: 100_000) == 200_000)
        #expect(try receiveBuffer(connectingWith: 131_072) == 262_144)
        // tcp_rmem: minimum, default, maximum.
        let tcpRmem = try String(contentsOfFile: "/proc/sys/net/ipv4/tcp_rmem", encoding: .utf8)
        let kernelDefault = try #require(tcpRmem.split(whereSeparator: \.isWhitespace).dropFirst().first.flatMap { Int32($0) })
        #expect(try receiveBuffer(connectingWith: 0) == kernelDefault)
    }
}
