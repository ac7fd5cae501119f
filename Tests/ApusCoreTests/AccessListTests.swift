import ApusCore
import Testing

/// Client address ranges and access lists: parsing both families, containment (IPv4 in
/// its mapped form included), deny-then-allow evaluation, and inheritance through the compiler.
@Suite struct AccessListTests {
    static func range(_ text: String) -> AddressRange {
        guard case .success(let range) = AddressRange.parse(text) else { fatalError("\(text) does not parse") }
        return range
    }

    static func address(_ text: String) -> ClientAddress {
        guard let address = ClientAddress(parsing: text) else { fatalError("\(text) is no address") }
        return address
    }

    @Test func rangesContainTheirAddresses() {
        let cases: [(range: String, inside: [String], outside: [String])] = [
            ("10.0.0.0/8", ["10.0.0.0", "10.255.255.255", "::ffff:10.1.2.3"], ["11.0.0.0", "9.255.255.255", "::a00:1"]),
            ("192.0.2.7", ["192.0.2.7"], ["192.0.2.6", "192.0.2.8"]),
            // Bits past the prefix are ignored, as nginx does.
            ("192.0.2.7/24", ["192.0.2.0", "192.0.2.255"], ["192.0.3.0"]),
            ("0.0.0.0/0", ["1.2.3.4", "255.255.255.255"], ["2001:db8::1", "::1"]),
            ("2001:db8::/32", ["2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"], ["2001:db9::", "10.0.0.1"]),
            ("::/0", ["2001:db8::1", "::1", "10.0.0.1"], []),
            ("fe80::1/128", ["fe80::1"], ["fe80::2"]),
            ("2001:db8:0:0:8000::/65", ["2001:db8::8000:0:0:1"], ["2001:db8::7fff:0:0:1"]),
            (" 127.0.0.0/8 ", ["127.0.0.2"], ["128.0.0.1"]),
        ]
        for item in cases {
            let range = Self.range(item.range)
            for inside in item.inside { #expect(range.contains(Self.address(inside)), "\(item.range) ∌ \(inside)") }
            for outside in item.outside { #expect(!range.contains(Self.address(outside)), "\(item.range) ∋ \(outside)") }
        }
    }

    @Test func garbageIsNoRange() {
        let cases: [(String, AddressRange.Problem)] = [
            ("10.0.0.0/33", .prefixOutOfRange(33)), ("2001:db8::/129", .prefixOutOfRange(129)),
            ("10.0.0/8", .notAnAddress), ("example.test", .notAnAddress), ("10.0.0.0/", .notAnAddress), ("/8", .notAnAddress),
            ("10.0.0.0/-1", .notAnAddress), ("10.0.0.0/+8", .notAnAddress), ("10.0.0.0/8/8", .notAnAddress), ("", .notAnAddress),
            ("fe80::1%eth0", .notAnAddress), ("10.0.0.1 10.0.0.2", .notAnAddress), ("1.2.3.4/ 8", .notAnAddress),
        ]
        for (text, problem) in cases {
            #expect(AddressRange.parse(text) == .failure(problem), "\(text)")
        }
    }

    /// ingress-nginx writes `deny` lines, then `allow` lines and `deny all`: a denied address
    /// is refused even when an allowed network holds it.
    @Test func denyComesFirstThenAllow() {
        let both = CompiledAccessList(allow: [Self.range("10.0.0.0/8")], deny: [Self.range("10.0.0.7")])
        #expect(both.permits(Self.address("10.0.0.8")))
        #expect(!both.permits(Self.address("10.0.0.7")))
        #expect(!both.permits(Self.address("192.0.2.1")))
        let denyOnly = CompiledAccessList(allow: nil, deny: [Self.range("192.0.2.0/24")])
        #expect(denyOnly.permits(Self.address("10.0.0.1")) && !denyOnly.permits(Self.address("192.0.2.9")))
        let allowOnly = CompiledAccessList(allow: [Self.range("2001:db8::/32"), Self.range("127.0.0.1")], deny: [])
        #expect(allowOnly.permits(Self.address("127.0.0.1")) && allowOnly.permits(Self.address("2001:db8::9")))
        #expect(!allowOnly.permits(Self.address("127.0.0.2")))
    }

    static func configuration(route: AccessListConfig?, path: AccessListConfig?) -> Configuration {
        Configuration(
            routes: [RouteConfig(host: "a.test", paths: [
                PathRuleConfig(path: "/", match: .prefix, action: .proxy(upstream: "api"), settings: RouteSettings(accessList: path), location: Fixture.at(20)),
            ], settings: RouteSettings(accessList: route), location: Fixture.at(10))],
            upstreams: [UpstreamConfig(name: "api", endpoints: [EndpointConfig(address: "127.0.0.1:1")])])
    }

    /// A path's `allow` replaces its route's, its `deny` the route's `deny`; an empty list
    /// clears what it would inherit.
    @Test func pathListsReplaceRouteListsEachOnItsOwn() {
        let route = AccessListConfig(allow: ["10.0.0.0/8"], deny: ["10.0.0.7"], location: Fixture.at(11))
        let cases: [(AccessListConfig?, CompiledAccessList?)] = [
            (nil, CompiledAccessList(allow: [Self.range("10.0.0.0/8")], deny: [Self.range("10.0.0.7")])),
            (AccessListConfig(allow: ["192.0.2.0/24"]), CompiledAccessList(allow: [Self.range("192.0.2.0/24")], deny: [Self.range("10.0.0.7")])),
            (AccessListConfig(deny: []), CompiledAccessList(allow: [Self.range("10.0.0.0/8")], deny: [])),
            (AccessListConfig(allow: [], deny: []), nil),
        ]
        for (path, expected) in cases {
            let (table, diagnostics) = RouteTableCompiler.compile(Self.configuration(route: route, path: path))
            #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
            #expect(table.routes.first?.accessList == expected, "\(String(describing: path))")
        }
        let (open, _) = RouteTableCompiler.compile(Self.configuration(route: nil, path: nil))
        #expect(open.routes.first?.accessList == nil)
    }

    @Test func aBadEntryDropsTheRuleWithItsLocation() {
        let (table, diagnostics) = RouteTableCompiler.compile(Self.configuration(
            route: nil, path: AccessListConfig(allow: ["10.0.0.0/8", "10.0.0.0/99"], location: Fixture.at(21, 5))))
        #expect(table.routes.isEmpty)
        let error = diagnostics.first { $0.code == "invalid-address-range" }
        #expect(error?.location == Fixture.at(21, 5))
        #expect(error?.message.contains("'10.0.0.0/99' has a prefix length of 99") == true)

        let (_, routeDiagnostics) = RouteTableCompiler.compile(Self.configuration(
            route: AccessListConfig(deny: ["nonsense"], location: Fixture.at(11, 3)), path: nil))
        #expect(routeDiagnostics.contains { $0.code == "invalid-address-range" && $0.message.contains("route's 1 path rule(s) are dropped") })
    }
}
