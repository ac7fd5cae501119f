import ApusConfigFile
import ApusCore
import Testing

private let at = ConfigFileTestSupport.at

/// `compression:` at the top level and on path rules.
@Suite struct CompressionConfigTests {
    /// Top-level settings and a path rule's override parse into the configuration, with locations.
    @Test func parsesTopLevelAndOverride() throws {
        let yaml = """
        compression:
          gzip: true
          level: 3
          min_length: 2k
          types: [text/html, "application/*+json"]
        routes:
          - paths:
              - path: /api
                upstream: api
                compression: { gzip: false }
              - path: /
                upstream: api
                compression:
                  level: 9
                  types: ["*/*"]
        upstreams:
          api: { endpoints: [127.0.0.1:9000] }
        """
        let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        #expect(diagnostics == [])
        let configuration = try #require(parsed)
        #expect(configuration.compression == CompressionConfig(
            gzip: true, level: 3, minLength: 2048, types: ["text/html", "application/*+json"], location: at(2, 3)))
        let rules = configuration.routes.first?.paths ?? []
        #expect(rules.map { $0.compression } == [
            CompressionOverride(gzip: false, location: at(10, 22)),
            CompressionOverride(level: 9, types: ["*/*"], location: at(14, 11)),
        ])
    }

    /// No `compression:` means gzip on with the defaults.
    @Test func defaults() throws {
        let (parsed, diagnostics) = ConfigFileParser.parse("listeners: [{ listen: 0.0.0.0:80 }]\n", path: "apus.yaml")
        #expect(diagnostics == [])
        let configuration = try #require(parsed)
        #expect(configuration.compression == CompressionConfig())
        #expect(configuration.compression.gzip && configuration.compression.level == 5 && configuration.compression.minLength == 1024)
    }

    /// Bad values point at themselves, file:line:column.
    @Test(arguments: [
        ("compression: { level: 0 }\n", "1:23: compression.level: expected an integer of at least 1, found 0"),
        ("compression: { level: 10 }\n", "1:23: compression.level: expected an integer of at most 9, found 10"),
        ("compression: { level: fast }\n", "1:23: compression.level: expected an integer, found a string"),
        ("compression: { gzip: maybe }\n", "1:22: compression.gzip: expected true or false, found 'maybe'"),
        ("compression: { min_length: 1x }\n", "1:28: compression.min_length: '1x' is not a size"),
        ("compression:\n  types:\n    - text/html\n    - text\n",
         "4:7: compression.types[1]: 'text' is not a media range (use type/subtype, type/*, or type/*+suffix such as application/*+json)"),
        ("compression: { types: text/html }\n", "1:23: compression.types: expected a sequence, found a string"),
        ("compression: { gzip: true, levl: 3 }\n", "1:28: unknown key 'levl' in compression; did you mean 'level'?"),
        ("compression: off\n", "1:14: compression: expected a mapping, found a bool"),
        ("routes:\n  - paths:\n      - { path: /, upstream: a, compression: { level: 11 } }\n",
         "3:55: routes[0].paths[0].compression.level: expected an integer of at most 9, found 11"),
    ])
    func diagnosesBadValues(_ yaml: String, _ expected: String) {
        let summaries = ConfigFileTestSupport.summaries(yaml)
        #expect(summaries.contains { $0.hasPrefix(expected) }, "\(summaries)")
    }
}
