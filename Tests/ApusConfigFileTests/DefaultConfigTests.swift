import ApusConfigFile
import ApusCore
import Foundation
import Testing

@Suite struct DefaultConfigTests {
    private static let root = ConfigFileTestSupport.repositoryRoot()

    /// The shipped files load from disk with no diagnostics at all.
    @Test(arguments: ["conf/apus.yaml", "conf/examples/proxy.yaml"])
    func shippedConfigLoadsCleanly(relativePath: String) {
        let (configuration, diagnostics) = ConfigFileParser.load(path: "\(Self.root)/\(relativePath)")
        #expect(diagnostics.map(\.description) == [])
        #expect(configuration != nil)
    }

    /// The default config is what the docs promise: auto workers, admin on loopback, one
    /// listener on 8080, and conf/www served for any host, logged to stdout.
    @Test func defaultConfigContents() throws {
        let path = "\(Self.root)/conf/apus.yaml"
        let configuration = try #require(ConfigFileParser.load(path: path).0)
        #expect(configuration.workers == .auto)
        #expect(configuration.admin?.listen == "127.0.0.1:9901")
        #expect(configuration.listeners.map { [$0.name, $0.listen] } == [["http", "0.0.0.0:8080"]])
        #expect(configuration.routes.count == 1)
        let route = try #require(configuration.routes.first)
        #expect(route.host == nil)
        #expect(route.paths.map(\.path) == ["/"])
        #expect(route.paths.first?.match == .prefix)
        #expect(route.paths.first?.action == .staticFiles(StaticFilesConfig(root: "\(Self.root)/conf/www")))
        #expect(configuration.upstreams == [])
        #expect(configuration.accessLog == AccessLogConfig(format: .combined, path: nil))
    }

    /// The proxy example exercises every feature it is meant to show.
    @Test func proxyExampleCoversTheFeatures() throws {
        let path = "\(Self.root)/conf/examples/proxy.yaml"
        let configuration = try #require(ConfigFileParser.load(path: path).0)
        #expect(Set(configuration.upstreams.map(\.balance)) == [.roundRobin, .leastConnections])
        #expect(configuration.routes.contains { $0.host?.hasPrefix("*.") == true })
        let rules = configuration.routes.flatMap(\.paths)
        #expect(Set(rules.map(\.match)) == [.exact, .prefix, .regex])
        #expect(rules.contains { if case .redirect = $0.action { true } else { false } })
        #expect(rules.contains { if case .fixedResponse = $0.action { true } else { false } })
        #expect(configuration.compression.gzip && configuration.compression.types == CompressionConfig.defaultTypes)
        #expect(rules.contains { $0.compression?.level == 1 })
        let upstreamNames = Set(configuration.upstreams.map(\.name))
        for case let .proxy(upstream) in rules.map(\.action) {
            #expect(upstreamNames.contains(upstream))
        }
    }

    /// Every truncation of the example parses without crashing, into a configuration or into
    /// errors, and each diagnostic points inside the text.
    @Test func everyPrefixOfTheExampleIsHandled() throws {
        let path = "\(Self.root)/conf/examples/proxy.yaml"
        let text = try #require(try? String(contentsOfFile: path, encoding: .utf8))
        let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
        var prefix = ""
        for character in text {
            prefix.append(character)
            let (configuration, diagnostics) = ConfigFileParser.parse(prefix, path: "p.yaml")
            let hasError = diagnostics.contains { $0.severity == .error }
            #expect((configuration == nil) == hasError, "\(prefix.count)")
            for diagnostic in diagnostics {
                guard case let .file(_, line, column) = diagnostic.location else {
                    Issue.record("not a file location: \(diagnostic)")
                    continue
                }
                #expect(line >= 1 && line <= lineCount + 1 && column >= 1, "\(diagnostic)")
            }
        }
    }
}
