import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback port where connects hang (no refusal, no accept): a listener with backlog 0 whose one
/// queue slot is taken by our own filler connection, so the kernel drops further SYNs. This is how
/// the suite produces upstream *connect timeouts* without a routable black-hole address.
final class BlackholeListener: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let filler: RawConnection

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed: errno \(errno)") }
        var address = sockaddr_in.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 0) == 0 else {
            close(fd)
            throw HarnessError("blackhole listener setup failed: errno \(errno)")
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        filler = try RawConnection.connectNow(port: port)
    }

    var endpoint: String { "127.0.0.1:\(port)" }

    deinit { close(listener) }
}
