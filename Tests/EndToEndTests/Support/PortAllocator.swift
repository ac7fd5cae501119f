import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Hands out free loopback TCP ports: bind port 0, read the port the kernel chose, close.
///
/// Ports handed out once are never handed out again in this test process, so tests running in
/// parallel don't collide with each other (other processes can still race; that is rare).
enum PortAllocator {
    private static let handedOut = Mutex<Set<Int>>([])

    /// A loopback port nobody listens on right now, taken below the kernel's ephemeral range:
    /// a port from that range can be taken again by any outgoing connection (the real API
    /// server's tests make many) between being handed out and being listened on, and the
    /// listener then fails with "address in use".
    static func freePort() throws -> Int {
        let ceiling = ephemeralRangeStart()
        for _ in 0..<200 {
            let port = Int.random(in: max(1024, ceiling - 12_000)..<ceiling)
            guard handedOut.withLock({ !$0.contains(port) }), canBind(port) else { continue }
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        for _ in 0..<100 {
            let port = try bindEphemeral()
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw HarnessError("could not find an unused loopback port")
    }

    /// The first port of /proc/sys/net/ipv4/ip_local_port_range (32768 by default).
    private static func ephemeralRangeStart() -> Int {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        return text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap { Int($0) } ?? 32768
    }

    private static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in.loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func bindEphemeral() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw HarnessError("bind(127.0.0.1:0) failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw HarnessError("getsockname failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension sockaddr_in {
    /// 127.0.0.1:`port`.
    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
