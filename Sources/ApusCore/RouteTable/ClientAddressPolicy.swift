/// `client_address`, compiled: the trusted proxies and the header that names the client.
///
/// Thread rule: immutable, shared by all workers.
public final class ClientAddressPolicy: Sendable {
    public let trustedProxies: [AddressRange]
    /// The header's name in lowercase.
    public let header: [UInt8]

    init(trustedProxies: [AddressRange], header: String) {
        self.trustedProxies = trustedProxies
        self.header = Array(header.lowercased().utf8)
    }

    public func trusts(_ address: ClientAddress) -> Bool {
        trustedProxies.anyContains(address)
    }

    /// The client named by the header's addresses (`values`, the header's fields in order)
    /// when `peer` is trusted: the rightmost address that is not a trusted proxy, or the
    /// leftmost when all are; nil when the peer is not trusted or the header names no
    /// address. The walk stops at a token that is no address (everything left of it is
    /// the client's to write).
    public func client(peer: ClientAddress, values: [Substring]) -> (ClientAddress, Substring)? {
        guard trusts(peer) else { return nil }
        var found: (ClientAddress, Substring)?
        for value in values.reversed() {
            for token in value.split(separator: ",", omittingEmptySubsequences: false).reversed() {
                let text = token.trimmingOptionalWhitespace()
                guard let address = ClientAddress(parsing: String(text)) else { return found }
                found = (address, text)
                if !trusts(address) { return found }
            }
        }
        return found
    }
}
