#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an address string is not an `IP:port` the proxy can bind or connect to.
enum AddressProblem: Error, Equatable, Sendable {
    case missingPort
    case invalidPort
    case zeroPort
    /// A DNS name other than `localhost` that reached the compiler unresolved.
    case hostname
    case invalidHost

    /// Completes "'x' ..." in a diagnostic message.
    var explanation: String {
        switch self {
        case .missingPort: return "has no ':port'"
        case .invalidPort: return "has a port that is not a number from 1 to 65535"
        case .zeroPort: return "has port 0"
        case .hostname: return "names a host that was not resolved to an address"
        case .invalidHost: return "is not an IPv4 address, a bracketed [IPv6] address or localhost"
        }
    }
}

extension HostPort {
    /// Parses `1.2.3.4:80`, `[::1]:80`, `localhost:80` in any case (as 127.0.0.1), and for
    /// listen addresses `*:80` or `:80` (as 0.0.0.0); nil when malformed or port 0.
    public static func parse(_ text: String) -> HostPort? {
        try? parseChecked(text, allowWildcard: true).get()
    }

    /// Like `parse`, but says what is wrong. IPv6 comes back in canonical (inet_ntop) form
    /// so that two spellings of one address compare equal.
    static func parseChecked(_ text: String, allowWildcard: Bool) -> Result<HostPort, AddressProblem> {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.invalidHost) }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return .failure(rest.isEmpty ? .missingPort : .invalidHost) }
            portPart = rest.dropFirst()
            guard hostPart.contains(":"), let v6 = canonicalIPv6(String(hostPart)) else { return .failure(.invalidHost) }
            return parsePort(portPart).map { HostPort(host: v6, port: $0) }
        }
        guard let colon = text.lastIndex(of: ":") else { return .failure(.missingPort) }
        hostPart = text[..<colon]
        portPart = text[text.index(after: colon)...]
        if hostPart.contains(":") { return .failure(.invalidHost) }  // unbracketed IPv6
        let host: String
        if hostPart.lowercased() == "localhost" {  // names ignore case (RFC 4343)
            host = "127.0.0.1"
        } else if allowWildcard && (hostPart.isEmpty || hostPart == "*") {
            host = "0.0.0.0"
        } else if isIPv4(String(hostPart)) {
            host = String(hostPart)
        } else if looksLikeHostname(hostPart) {
            return .failure(.hostname)
        } else {
            return .failure(.invalidHost)
        }
        return parsePort(portPart).map { HostPort(host: host, port: $0) }
    }

    private static func parsePort(_ text: Substring) -> Result<UInt16, AddressProblem> {
        if text.isEmpty { return .failure(.missingPort) }
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = UInt16(text) else { return .failure(.invalidPort) }
        return value == 0 ? .failure(.zeroPort) : .success(value)
    }

    private static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    private static func canonicalIPv6(_ text: String) -> String? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func looksLikeHostname(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
    }
}
