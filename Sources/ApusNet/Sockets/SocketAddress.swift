import CLinux
import Glibc

/// An IPv4 or IPv6 socket address, ready for bind/connect.
public struct SocketAddress: Sendable {
    public var storage: sockaddr_storage
    public var length: socklen_t

    /// Parses a numeric host (`127.0.0.1`, `::1`) and a port; nil when the host is not an IP literal.
    public init?(host: String, port: UInt16) {
        var storage = sockaddr_storage()
        if host.contains(":") {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1 else { return nil }
            withUnsafeMutableBytes(of: &storage) { dst in
                withUnsafeBytes(of: sin6) { dst.copyMemory(from: $0) }
            }
            self.length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            guard inet_pton(AF_INET, host, &sin.sin_addr) == 1 else { return nil }
            withUnsafeMutableBytes(of: &storage) { dst in
                withUnsafeBytes(of: sin) { dst.copyMemory(from: $0) }
            }
            self.length = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        self.storage = storage
    }

    public init(_ address: sockaddr_in) {
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: address) { dst.copyMemory(from: $0) } }
        self.init(storage: storage, length: socklen_t(MemoryLayout<sockaddr_in>.size))
    }

    public init(_ address: sockaddr_in6) {
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: address) { dst.copyMemory(from: $0) } }
        self.init(storage: storage, length: socklen_t(MemoryLayout<sockaddr_in6>.size))
    }

    public init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    public var family: Int32 { Int32(storage.ss_family) }

    /// The address as text, without the port (`203.0.113.7`, `2001:db8::1`).
    public var hostText: String { String(decoding: hostTextBytes, as: UTF8.self) }

    /// `hostText` as bytes, in a single allocation: the accept path takes this for every
    /// connection (`X-Forwarded-For`, `X-Real-IP`, the access log).
    public var hostTextBytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Int(INET6_ADDRSTRLEN)) { buffer, count in
            var copy = storage
            count = withUnsafeBytes(of: &copy) { address in
                if family == AF_INET6 {
                    // sin6_addr starts at byte 8 of sockaddr_in6.
                    let written = buffer.withMemoryRebound(to: CChar.self) { text in
                        inet_ntop(AF_INET6, address.baseAddress! + 8, text.baseAddress, socklen_t(text.count))
                    }
                    guard let written else { return 0 }
                    return strlen(written)
                }
                // sin_addr starts at byte 4 of sockaddr_in. Formatted here because glibc's
                // inet_ntop goes through sprintf.
                return Self.writeDottedQuad(UnsafeRawBufferPointer(rebasing: address[4..<8]), into: buffer)
            }
        }
    }

    private static func writeDottedQuad(_ octets: UnsafeRawBufferPointer, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var count = 0
        for (index, octet) in octets.enumerated() {
            if index > 0 {
                buffer[count] = UInt8(ascii: ".")
                count += 1
            }
            if octet >= 100 {
                buffer[count] = UInt8(ascii: "0") + octet / 100
                count += 1
            }
            if octet >= 10 {
                buffer[count] = UInt8(ascii: "0") + octet / 10 % 10
                count += 1
            }
            buffer[count] = UInt8(ascii: "0") + octet % 10
            count += 1
        }
        return count
    }

    public var port: UInt16 {
        var copy = storage
        return withUnsafePointer(to: &copy) { pointer in
            pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    /// Whether the address is on this host's loopback interface: 127.0.0.0/8, `::1`, or
    /// 127.0.0.0/8 mapped into IPv6.
    public var isLoopback: Bool {
        var copy = storage
        return withUnsafeBytes(of: &copy) { bytes in
            if family == AF_INET6 {
                // sin6_addr starts at byte 8 of sockaddr_in6.
                let address = bytes[8..<24]
                let mapped = address.prefix(10).allSatisfy { $0 == 0 } && address.dropFirst(10).prefix(2).allSatisfy { $0 == 0xFF }
                if mapped { return address[address.startIndex + 12] == 127 }
                return address.prefix(15).allSatisfy { $0 == 0 } && address.last == 1
            }
            // sin_addr starts at byte 4 of sockaddr_in, in network order.
            return family == AF_INET && bytes[4] == 127
        }
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var copy = storage
        return withUnsafePointer(to: &copy) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
