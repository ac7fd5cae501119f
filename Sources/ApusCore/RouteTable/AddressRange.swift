import Glibc

/// A client's address as 128 bits, IPv4 as its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`),
/// so that one comparison serves both families (and an IPv4 client of a dual-stack
/// listener, which the kernel reports mapped, matches IPv4 ranges).
public struct ClientAddress: Equatable, Hashable, Sendable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// From an IPv4 address as a number (`in_addr.s_addr` read big-endian).
    public init(ipv4 value: UInt32) {
        high = 0
        low = 0x0000_FFFF_0000_0000 | UInt64(value)
    }

    /// From the sixteen bytes of an IPv6 address, in network order.
    public init(ipv6 bytes: UnsafeRawBufferPointer) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { low = low << 8 | UInt64(bytes[i]) }
        self.init(high: high, low: low)
    }

    /// `192.0.2.7`, `2001:db8::1` or `::ffff:192.0.2.7`; nil for anything else.
    public init?(parsing text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(ipv4: UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        self = withUnsafeBytes(of: &v6) { ClientAddress(ipv6: $0) }
    }

    /// An IPv4 address (or an IPv4-mapped IPv6 one).
    public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }
}

/// A network of client addresses: `10.0.0.0/8`, `2001:db8::/32`, or one address
/// (`192.0.2.7` is `/32`, `2001:db8::1` is `/128`). IPv4 networks are kept in the mapped
/// form, so their prefix counts from bit 96.
public struct AddressRange: Equatable, Hashable, Sendable {
    public let network: ClientAddress
    public let maskHigh: UInt64
    public let maskLow: UInt64
    /// As written back: `10.0.0.0/8`.
    public let text: String

    /// Why a written range is not one.
    public enum Problem: Error, Equatable {
        case notAnAddress
        case prefixOutOfRange(Int)
    }

    /// Parses `ADDRESS` or `ADDRESS/PREFIX`. Bits beyond the prefix are ignored (as nginx
    /// and ingress-nginx do): `192.0.2.7/24` is `192.0.2.0/24`.
    public static func parse(_ written: String) -> Result<AddressRange, Problem> {
        let trimmed = written.trimmingOptionalWhitespace()
        let parts = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = ClientAddress(parsing: String(parts[0])) else { return .failure(.notAnAddress) }
        let familyBits = address.isIPv4 && !parts[0].contains(":") ? 32 : 128
        var prefix = familyBits
        if parts.count == 2 {
            guard let value = Int(parts[1]), parts[1].allSatisfy(\.isASCIIDigit) else { return .failure(.notAnAddress) }
            guard value <= familyBits else { return .failure(.prefixOutOfRange(value)) }
            prefix = value
        }
        let bits = familyBits == 32 ? 96 + prefix : prefix
        let maskHigh: UInt64 = bits >= 64 ? .max : bits == 0 ? 0 : ~(UInt64.max >> UInt64(bits))
        let maskLow: UInt64 = bits <= 64 ? 0 : bits >= 128 ? .max : ~(UInt64.max >> UInt64(bits - 64))
        let network = ClientAddress(high: address.high & maskHigh, low: address.low & maskLow)
        return .success(AddressRange(network: network, maskHigh: maskHigh, maskLow: maskLow, text: String(trimmed)))
    }

    private init(network: ClientAddress, maskHigh: UInt64, maskLow: UInt64, text: String) {
        self.network = network
        self.maskHigh = maskHigh
        self.maskLow = maskLow
        self.text = text
    }

    @inlinable
    public func contains(_ address: ClientAddress) -> Bool {
        address.high & maskHigh == network.high && address.low & maskLow == network.low
    }
}

extension AddressRange.Problem {
    public var explanation: String {
        switch self {
        case .notAnAddress: return "is not an IPv4 or IPv6 address or network"
        case .prefixOutOfRange(let prefix): return "has a prefix length of \(prefix), longer than the address"
        }
    }
}

/// A route's access list, compiled: checked before anything else the route does.
///
/// A class, so that a worker's check borrows one reference from the route instead of
/// copying two arrays (two retains and releases per request).
public final class CompiledAccessList: Equatable, Sendable {
    /// nil: no allow list (everything not denied passes).
    public let allow: [AddressRange]?
    public let deny: [AddressRange]

    public init(allow: [AddressRange]?, deny: [AddressRange]) {
        self.allow = allow
        self.deny = deny
    }

    public static func == (a: CompiledAccessList, b: CompiledAccessList) -> Bool {
        a.allow == b.allow && a.deny == b.deny
    }

    /// Denied first, then, with an allow list, everything outside it.
    @inlinable
    public func permits(_ address: ClientAddress) -> Bool {
        if deny.anyContains(address) { return false }
        guard let allow else { return true }
        return allow.anyContains(address)
    }
}

extension Array where Element == AddressRange {
    /// Whether any of the ranges holds `address`. An index loop rather than `for in`: an
    /// array's iterator holds a copy of the array, a retain and a release per call.
    @inlinable
    public func anyContains(_ address: ClientAddress) -> Bool {
        var i = 0
        while i < count {
            if self[i].contains(address) { return true }
            i &+= 1
        }
        return false
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension StringProtocol {
    /// Without the spaces and tabs around it (HTTP's optional whitespace, and what a list
    /// written by hand has around its commas).
    public func trimmingOptionalWhitespace() -> Substring {
        var s = self[...]
        while let first = s.first, first == " " || first == "\t" { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return Substring(s)
    }
}
