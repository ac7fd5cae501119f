import ApusCore
import Testing

/// The client behind trusted proxies: the header's addresses walked from the right past
/// every trusted proxy (nginx's realip with `real_ip_recursive on`), only for a trusted peer.
@Suite struct ClientAddressPolicyTests {
    static func policy(_ proxies: [String], header: String = "X-Forwarded-For") -> ClientAddressPolicy? {
        var configuration = Configuration()
        configuration.clientAddress = ClientAddressConfig(trustedProxies: proxies, header: header, location: Fixture.at(3))
        return RouteTableCompiler.compile(configuration).0.clientAddress
    }

    static func client(_ policy: ClientAddressPolicy, peer: String, _ values: [String]) -> String? {
        policy.client(peer: ClientAddress(parsing: peer)!, values: values.map { Substring($0) }).map { String($0.1) }
    }

    @Test func walksFromTheRightPastTrustedProxies() throws {
        let policy = try #require(Self.policy(["10.0.0.0/8", "2001:db8::/32"]))
        let cases: [(peer: String, values: [String], client: String?)] = [
            ("10.0.0.1", ["203.0.113.9"], "203.0.113.9"),
            ("10.0.0.1", ["198.51.100.1, 203.0.113.9, 10.0.0.2"], "203.0.113.9"),
            ("10.0.0.1", ["198.51.100.1", "203.0.113.9 , 10.0.0.2"], "203.0.113.9"),
            // Every hop trusted: the leftmost.
            ("10.0.0.1", ["10.0.0.5, 10.0.0.2"], "10.0.0.5"),
            // Left of what is no address, the client wrote it: the walk stops there.
            ("10.0.0.1", ["203.0.113.9, unknown, 10.0.0.2"], "10.0.0.2"),
            ("10.0.0.1", ["evil"], nil),
            ("10.0.0.1", [], nil),
            ("2001:db8::7", ["2001:db9::1, 2001:db8::5"], "2001:db9::1"),
            // A peer that is no trusted proxy: the header is the client's own word.
            ("203.0.113.1", ["10.0.0.9"], nil),
        ]
        for item in cases {
            #expect(Self.client(policy, peer: item.peer, item.values) == item.client, "\(item)")
        }
    }

    @Test func mistakesTrustNoProxy() {
        let config = { (proxies: [String], header: String) -> (ClientAddressPolicy?, [Diagnostic]) in
            var configuration = Configuration()
            configuration.clientAddress = ClientAddressConfig(trustedProxies: proxies, header: header, location: Fixture.at(3))
            let (table, diagnostics) = RouteTableCompiler.compile(configuration)
            return (table.clientAddress, diagnostics)
        }
        let badRange = config(["10.0.0.0/8", "10.0.0.0/64"], "X-Forwarded-For")
        #expect(badRange.0 == nil)
        #expect(badRange.1.contains { $0.code == "invalid-address-range" && $0.location == Fixture.at(3) })
        let badHeader = config(["10.0.0.0/8"], "X Forwarded")
        #expect(badHeader.0 == nil && badHeader.1.contains { $0.code == "invalid-header-name" })
        let none = config([], "X-Forwarded-For")
        #expect(none.0 == nil && none.1.map(\.code) == ["no-trusted-proxies"])
        #expect(config(["127.0.0.1"], "X-Real-Client").0?.header == Array("x-real-client".utf8))
    }
}
