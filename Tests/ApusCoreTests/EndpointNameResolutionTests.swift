import ApusCore
import Testing

@Suite struct EndpointNameResolutionTests {
    static func configuration(_ endpoints: [String]) -> Configuration {
        Configuration(upstreams: [UpstreamConfig(
            name: "api", endpoints: endpoints.map { EndpointConfig(address: $0, location: .file(path: "a.yaml", line: 3, column: 5)) })])
    }

    @Test func namesBecomeEveryAddressTheyResolveTo() {
        var asked: [String] = []
        let (resolved, diagnostics) = EndpointNameResolution.resolve(Self.configuration(["API.Example.test.:8443", "10.0.0.1:80", "[::1]:81", "localhost:82"])) { name in
            asked.append(name)
            return .success(["10.1.0.2", "fd00::7"])
        }
        #expect(diagnostics.isEmpty)
        #expect(asked == ["api.example.test"])
        let endpoints = resolved.upstreams[0].endpoints
        #expect(endpoints.map(\.address) == ["10.1.0.2:8443", "[fd00::7]:8443", "10.0.0.1:80", "[::1]:81", "localhost:82"])
        #expect(endpoints.map(\.resolvedFrom) == ["api.example.test", "api.example.test", nil, nil, nil])
        #expect(endpoints[0].location == .file(path: "a.yaml", line: 3, column: 5))

        // The compiler keeps the name on the address (TLS server name, pool identity).
        let (table, compileDiagnostics) = RouteTableCompiler.compile(resolved)
        #expect(compileDiagnostics.filter { $0.severity == .error }.isEmpty, "\(compileDiagnostics)")
        #expect(table.upstreams[0].endpoints.first == HostPort(host: "10.1.0.2", port: 8443, resolvedFrom: "api.example.test"))
    }

    @Test func anUnresolvedNameIsAWarningAndLeavesTheOthers() {
        let (resolved, diagnostics) = EndpointNameResolution.resolve(Self.configuration(["gone.example.test:80", "10.0.0.1:80"])) { _ in
            .failure(EndpointLookupFailure(reason: "Name or service not known"))
        }
        #expect(resolved.upstreams[0].endpoints.map(\.address) == ["10.0.0.1:80"])
        #expect(diagnostics.map(\.code) == ["endpoint-name-unresolved"])
        #expect(diagnostics.first?.severity == .warning)
        #expect(diagnostics.first?.message.contains("cannot resolve 'gone.example.test' (Name or service not known)") == true)
    }

    @Test func addressesAndOddTextAreNotNames() {
        for address in ["10.0.0.1:80", "[fd00::1]:80", "localhost:80", "LOCALHOST:80", "under_score:80", "name", ":80", "1.2.3:80"] {
            #expect(!EndpointNameResolution.hasNames(Self.configuration([address])), "\(address)")
        }
        #expect(EndpointNameResolution.hasNames(Self.configuration(["db-1.internal:5432"])))
    }
}
