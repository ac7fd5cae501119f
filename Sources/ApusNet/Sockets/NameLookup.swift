import Glibc

/// Blocking DNS lookups (getaddrinfo) for the control plane; workers never call this.
public enum NameLookup {
    /// The IPv4 and IPv6 addresses of `name` as text, sorted and without repeats (so two
    /// lookups with the same answer compare equal), or the resolver's reason.
    public static func addresses(of name: String) -> Result<[String], NameLookupError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0 else { return .failure(NameLookupError(reason: String(cString: gai_strerror(status)))) }
        defer { freeaddrinfo(list) }
        var found = Set<String>()
        var entry = list
        while let current = entry {
            if let text = text(of: current.pointee) { found.insert(text) }
            entry = current.pointee.ai_next
        }
        guard !found.isEmpty else { return .failure(NameLookupError(reason: "no IPv4 or IPv6 address")) }
        return .success(found.sorted())
    }

    private static func text(of info: addrinfo) -> String? {
        guard let address = info.ai_addr else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch info.ai_family {
        case AF_INET:
            var ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            guard inet_ntop(AF_INET, &ipv4, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        case AF_INET6:
            var ipv6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            guard inet_ntop(AF_INET6, &ipv6, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        default:
            return nil
        }
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

public struct NameLookupError: Error, Sendable {
    public var reason: String
}
