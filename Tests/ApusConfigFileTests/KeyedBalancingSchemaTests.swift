import ApusConfigFile
import ApusCore
import Testing

/// `affinity` and `hash_by` on an upstream: every key, the defaults, and each mistake
/// reported where it was written.
@Suite struct KeyedBalancingSchemaTests {
    @Test func everyKey() throws {
        let yaml = """
        upstreams:
          sticky:
            endpoints: [127.0.0.1:9000, 127.0.0.1:9001]
            affinity: { cookie: route, mode: persistent, path: /app, domain: example.test, max_age: 2h, expires: 30m, samesite: Lax,
                        secure: false, conditional_samesite_none: true, change_on_failure: true }
          plain: { endpoints: [127.0.0.1:9000], affinity: {} }
          hashed: { endpoints: [127.0.0.1:9000, 127.0.0.1:9001, 127.0.0.1:9002], hash_by: "$host$request_uri", hash_subset_size: 2 }
        """
        let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let configuration = try #require(parsed)
        func upstream(_ name: String) -> UpstreamConfig? { configuration.upstreams.first { $0.name == name } }
        #expect(upstream("sticky")?.affinity == AffinityConfig(
            cookieName: "route", mode: .persistent, path: "/app", domain: "example.test", maxAgeSeconds: 7_200, expiresSeconds: 1_800,
            sameSite: .lax, secure: false, conditionalSameSiteNone: true, changeOnFailure: true, location: ConfigFileTestSupport.at(4, 15)))
        #expect(upstream("plain")?.affinity == AffinityConfig(location: ConfigFileTestSupport.at(6, 51)), "INGRESSCOOKIE, balanced")
        #expect(upstream("hashed")?.hash?.key.written == "$host$request_uri" && upstream("hashed")?.hash?.subsetSize == 2)
        let (table, compiled) = RouteTableCompiler.compile(configuration)
        #expect(compiled.allSatisfy { $0.severity != .error }, "\(compiled)")
        let hashed = try #require(table.upstreams.first { $0.name == "hashed" }?.keyed)
        #expect(hashed.subsets.count == 2 && hashed.subsets.allSatisfy { $0.count == 2 }, "three endpoints in subsets of two, the last filled up: \(hashed.subsets)")
        let sticky = try #require(table.upstreams.first { $0.name == "sticky" }?.keyed)
        let token = try #require(sticky.token(ofEndpoint: 1))
        #expect(sticky.endpoint(ofToken: token) == 1 && sticky.endpoint(ofToken: token &+ 1) == nil)
        #expect(Array(sticky.cookiePrefix) == Array("route=".utf8))
    }

    @Test func mistakesAtTheirLocation() throws {
        let yaml = """
        upstreams:
          a: { endpoints: [127.0.0.1:9000], affinity: { cookie: "bad name", mode: sticky } }
          b: { endpoints: [127.0.0.1:9000], affinity: { path: "no-slash", domain: "bad domain", samesite: lax, secure: maybe } }
          c: { endpoints: [127.0.0.1:9000], hash_by: "$nonsense" }
          d: { endpoints: [127.0.0.1:9000], hash_by: "constant" }
          e: { endpoints: [127.0.0.1:9000], hash_subset_size: 3 }
          f: { endpoints: [127.0.0.1:9000], hash_by: "$remote_addr", hash_subset_size: 0 }
          g: { endpoints: [127.0.0.1:9000], hash_by: "$remote_addr", affinity: {} }
          h: { endpoints: [127.0.0.1:9000], affinity: { colour: blue } }
          i: { endpoints: [127.0.0.1:9000], affinity: { max_age: 500ms, expires: 1500ms } }
        """
        let (_, diagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        func has(_ text: String, line: Int) -> Bool {
            diagnostics.contains { $0.severity == .error && $0.message.contains(text) && $0.location.description.contains(":\(line):") }
        }
        #expect(has("upstreams.a.affinity.cookie: 'bad name' is not a cookie name", line: 2), "\(diagnostics)")
        #expect(has("upstreams.a.affinity.mode: 'sticky' is not one of balanced, persistent", line: 2), "\(diagnostics)")
        #expect(has("upstreams.b.affinity.path: 'no-slash' is not a path", line: 3), "\(diagnostics)")
        #expect(has("upstreams.b.affinity.domain: 'bad domain' is not a domain name", line: 3), "\(diagnostics)")
        #expect(has("'lax' is not one of Strict, Lax, None", line: 3), "\(diagnostics)")
        #expect(has("upstreams.b.affinity.secure: expected true or false", line: 3), "\(diagnostics)")
        #expect(has("upstreams.c.hash_by: '$nonsense' uses $nonsense, which Apus does not expand", line: 4), "\(diagnostics)")
        #expect(has("upstreams.d.hash_by: 'constant' uses no variable", line: 5), "\(diagnostics)")
        #expect(has("upstreams.e.hash_subset_size: needs hash_by", line: 6), "\(diagnostics)")
        #expect(has("upstreams.f.hash_subset_size: expected an integer of at least 1", line: 7), "\(diagnostics)")
        #expect(has("upstreams.g: affinity and hash_by exclude each other", line: 8), "\(diagnostics)")
        #expect(has("unknown key 'colour' in upstreams.h.affinity", line: 9), "\(diagnostics)")
        #expect(has("upstreams.i.affinity.max_age: a cookie lifetime is whole seconds", line: 10), "\(diagnostics)")
        #expect(has("upstreams.i.affinity.expires: a cookie lifetime is whole seconds", line: 10), "\(diagnostics)")
    }

    /// Settings built in code (the Kubernetes translation) are checked by the compiler too.
    @Test func compilerChecksSettingsBuiltInCode() {
        let configuration = Configuration(upstreams: [
            UpstreamConfig(name: "x", endpoints: [EndpointConfig(address: "127.0.0.1:1")], affinity: AffinityConfig(cookieName: "a;b")),
            UpstreamConfig(name: "y", endpoints: [EndpointConfig(address: "127.0.0.1:1")], affinity: AffinityConfig(),
                           hash: UpstreamHashConfig(key: try! RequestTemplate.parse("$uri").get())),
        ])
        let (table, diagnostics) = RouteTableCompiler.compile(configuration)
        #expect(diagnostics.contains { $0.code == "invalid-affinity" && $0.message.contains("'a;b' is not a cookie name") })
        #expect(diagnostics.contains { $0.code == "hash-with-affinity" && $0.severity == .warning })
        #expect(table.upstreams.first { $0.name == "x" }?.keyed == nil)
        #expect(table.upstreams.first { $0.name == "y" }?.keyed?.affinity != nil, "affinity wins")
    }
}
