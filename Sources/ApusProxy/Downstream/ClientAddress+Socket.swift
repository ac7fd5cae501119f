import ApusCore
import ApusNet
import Glibc

extension ClientAddress {
    /// The address of an accepted connection's peer (zero for a family other than IPv4
    /// and IPv6, which a TCP listener does not produce).
    init(_ socket: SocketAddress) {
        var storage = socket.storage
        switch socket.family {
        case AF_INET:
            self.init(ipv4: withUnsafeBytes(of: &storage) { raw in
                UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: MemoryLayout<sockaddr_in>.offset(of: \sockaddr_in.sin_addr)!, as: UInt32.self))
            })
        case AF_INET6:
            self = withUnsafeBytes(of: &storage) { raw in
                let offset = MemoryLayout<sockaddr_in6>.offset(of: \sockaddr_in6.sin6_addr)!
                return ClientAddress(ipv6: UnsafeRawBufferPointer(rebasing: raw[offset..<offset + 16]))
            }
        default:
            self.init(high: 0, low: 0)
        }
    }
}
