import Glibc

/// Blocking DNS lookups (getaddrinfo) for the control plane; workers never call this.
public enum NameLookup {
    /// The IPv4 and IPv6 addresses of `name` with `port`, in the resolver's order of
    /// preference (RFC 6724), or the resolver's reason.
    public static func socketAddresses(of name: String, port: UInt16) -> Result<[SocketAddress], NameLookupError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, String(port), &hints, &list)
        guard status == 0 else { return .failure(NameLookupError(reason: String(cString: gai_strerror(status)))) }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry = list
        while let current = entry {
            let info = current.pointee
            if let raw = info.ai_addr, info.ai_family == AF_INET || info.ai_family == AF_INET6 {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: Int(info.ai_addrlen))) }
                addresses.append(SocketAddress(storage: storage, length: info.ai_addrlen))
            }
            entry = info.ai_next
        }
        guard !addresses.isEmpty else { return .failure(NameLookupError(reason: "no IPv4 or IPv6 address")) }
        return .success(addresses)
    }

    /// The addresses of `name` as text, sorted and without repeats (so two lookups with
    /// the same answer compare equal), or the resolver's reason.
    public static func addresses(of name: String) -> Result<[String], NameLookupError> {
        socketAddresses(of: name, port: 0).map { Set($0.map(\.hostText)).sorted() }
    }
}

public struct NameLookupError: Error, Sendable {
    public var reason: String
}
