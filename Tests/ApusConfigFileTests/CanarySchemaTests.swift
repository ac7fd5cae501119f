import ApusConfigFile
import ApusCore
import Testing

/// `canary` in the YAML: every key, inheritance, and each mistake reported where it was
/// written; the weighted share's arithmetic.
@Suite struct CanarySchemaTests {
    @Test func canaryPerHostAndPath() throws {
        let yaml = """
        routes:
          - canary: { upstream: next, header: X-Canary, cookie: beta, weight: 5, weight_total: 50 }
            paths:
              - { path: /, upstream: app }
              - { path: /off, upstream: app, canary: false }
              - { path: /own, upstream: app, canary: { upstream: next, header: X-Canary, header_pattern: "^v[0-9]+$" } }
        upstreams: { app: { endpoints: [127.0.0.1:9000] }, next: { endpoints: [127.0.0.1:9001] } }
        """
        let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let configuration = try #require(parsed)
        #expect(configuration.routes.first?.settings.canary == CanaryConfig(
            upstream: "next", header: "X-Canary", cookie: "beta", weight: 5, weightTotal: 50, location: ConfigFileTestSupport.at(2, 25)))
        let (table, compiled) = RouteTableCompiler.compile(configuration)
        #expect(compiled.isEmpty, "the canary's upstream counts as used: \(compiled)")
        func canary(_ path: String) -> CompiledCanary? { table.routes.first { $0.path == path }?.canary }
        #expect(canary("/")?.upstream == table.upstreams.firstIndex { $0.name == "next" })
        #expect(canary("/")?.header == Array("x-canary".utf8) && canary("/")?.weight == 5 && canary("/")?.weightTotal == 50)
        #expect(canary("/off") == nil)
        #expect(canary("/own")?.config.headerPattern == "^v[0-9]+$" && canary("/own")?.cookie == nil, "a path's canary replaces the host's whole")
    }

    @Test func mistakesAtTheirLocation() throws {
        let yaml = """
        routes:
          - paths:
              - { path: /a, upstream: app, canary: { upstream: nowhere } }
              - { path: /b, upstream: app, canary: { upstream: next, header: "X Canary" } }
              - { path: /c, upstream: app, canary: { upstream: next, header_value: v1 } }
              - { path: /d, upstream: app, canary: { upstream: next, header: H, header_pattern: "(" } }
              - { path: /e, upstream: app, canary: { upstream: next, weight: -1, weight_total: 0 } }
              - { path: /f, respond: { status: 200 }, canary: { upstream: next } }
              - { path: /g, upstream: app, canary: { upstream: app } }
        upstreams: { app: { endpoints: [127.0.0.1:9000] }, next: { endpoints: [127.0.0.1:9001] } }
        """
        let (parsed, parseDiagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        #expect(parseDiagnostics.isEmpty, "\(parseDiagnostics)")
        let (table, compiled) = RouteTableCompiler.compile(try #require(parsed))
        func has(_ code: String, _ text: String, line: Int) -> Bool {
            compiled.contains { $0.code == code && $0.message.contains(text) && $0.location.description.contains(":\(line):") }
        }
        #expect(has("unknown-upstream", "canary names upstream 'nowhere'", line: 3), "\(compiled)")
        #expect(has("invalid-canary", "header: 'X Canary' is not a field name", line: 4), "\(compiled)")
        #expect(has("invalid-canary", "header_value and header_pattern need header", line: 5), "\(compiled)")
        #expect(has("invalid-canary", "header_pattern: '(' does not compile", line: 6), "\(compiled)")
        #expect(has("invalid-canary", "weight: -1 is negative", line: 7) && has("invalid-canary", "weight_total: 0 is not from 1", line: 7), "\(compiled)")
        #expect(has("invalid-canary", "does not proxy", line: 8), "\(compiled)")
        #expect(compiled.contains { $0.code == "canary-is-main" && $0.severity == .warning }, "\(compiled)")
        let kept = Set(table.routes.map(\.path))
        #expect(kept.isDisjoint(with: ["/a", "/b", "/c", "/d", "/e", "/f"]), "a rule with a broken canary is dropped: \(kept)")
        #expect(kept.contains("/g") && table.routes.first { $0.path == "/g" }?.canary == nil)

        let onWithoutUpstream = "routes:\n  - paths:\n      - { path: /, upstream: app, canary: true }\nupstreams: { app: { endpoints: [127.0.0.1:9000] } }\n"
        let (refused, diagnostics) = ConfigFileParser.parse(onWithoutUpstream, path: ConfigFileTestSupport.path)
        #expect(refused == nil)
        #expect(diagnostics.contains { $0.code == "canary" && $0.message.contains("'true' names no upstream") && $0.location.description.contains(":3:") }, "\(diagnostics)")
    }

    /// Of every `weight_total` consecutive counts, exactly `weight` go to the canary, evenly
    /// spaced, wherever the count starts.
    @Test(arguments: [(10, 100), (1, 3), (7, 10), (0, 100), (100, 100), (150, 100), (1, 1), (999_999_999, 1_000_000_000)])
    func weightedShare(_ weight: Int, _ total: Int) throws {
        let yaml = """
        routes:
          - paths:
              - { path: /, upstream: app, canary: { upstream: next, weight: \(weight), weight_total: \(total) } }
        upstreams: { app: { endpoints: [127.0.0.1:9000] }, next: { endpoints: [127.0.0.1:9001] } }
        """
        let (table, _) = RouteTableCompiler.compile(try #require(ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path).0))
        let canary = try #require(table.routes.first?.canary)
        let window = UInt64(min(total, 1_000))
        for start in [UInt64(1), 7, 1_000_003, UInt64.max - window] {
            let taken = (start..<start + window).filter(canary.takesWeighted)
            if total <= 1_000 {
                #expect(taken.count == min(weight, total), "from \(start): \(taken.count)")
                if weight > 0 && weight < total {
                    let gaps = zip(taken, taken.dropFirst()).map { $0.1 - $0.0 }
                    let even = UInt64(total / weight)
                    #expect(gaps.allSatisfy { $0 == even || $0 == even + 1 }, "uneven gaps \(gaps)")
                }
            } else {
                #expect(taken.count >= Int(window) - 1, "999999999 of 1e9: nearly all")
            }
        }
    }
}
