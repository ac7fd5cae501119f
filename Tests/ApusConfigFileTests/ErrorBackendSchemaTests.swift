import ApusConfigFile
import ApusCore
import Foundation
import Testing

/// `error_backend` and `error_pages` in the YAML: every key, inheritance, and each mistake
/// reported where it was written.
@Suite struct ErrorBackendSchemaTests {
    @Test func backendPerHostAndPath() throws {
        let yaml = """
        routes:
          - error_backend: { upstream: errors, statuses: [404, 503] }
            paths:
              - { path: /, upstream: app }
              - { path: /raw, upstream: app, error_backend: false }
              - { path: /own, upstream: app, error_backend: { upstream: errors, statuses: "500, 502" } }
              - { path: /fallback, upstream: app, error_backend: { upstream: errors } }
        upstreams: { app: { endpoints: [127.0.0.1:9000] }, errors: { endpoints: [127.0.0.1:9001] } }
        """
        let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let configuration = try #require(parsed)
        #expect(configuration.routes.first?.settings.errorBackend
            == ErrorBackendConfig(upstream: "errors", statuses: [404, 503], location: ConfigFileTestSupport.at(2, 32)))
        let (table, compiled) = RouteTableCompiler.compile(configuration)
        #expect(compiled.isEmpty, "the error upstream counts as used: \(compiled)")
        func backend(_ path: String) -> CompiledErrorBackend? { table.routes.first { $0.path == path }?.errorBackend }
        #expect(backend("/")?.intercepts(404) == true && backend("/")?.intercepts(500) == false)
        #expect(backend("/")?.upstream == table.upstreams.firstIndex { $0.name == "errors" })
        #expect(String(decoding: backend("/")?.routeLines ?? [], as: UTF8.self) == "X-Service-Name: app\r\n")
        #expect(backend("/raw") == nil)
        #expect(backend("/own")?.config.statuses == [500, 502])
        #expect(backend("/fallback")?.interceptsStatuses == false)
    }

    @Test func mistakesAtTheirLocation() throws {
        let yaml = """
        routes:
          - paths:
              - { path: /a, upstream: app, error_backend: { upstream: errors, statuses: [302] } }
              - { path: /b, upstream: app, error_backend: { upstream: nowhere, statuses: [404] } }
              - { path: /c, upstream: app, error_backend: { upstream: errors } }
        upstreams: { app: { endpoints: [127.0.0.1:9000] }, errors: { endpoints: [127.0.0.1:9001] } }
        """
        let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let (table, compiled) = RouteTableCompiler.compile(try #require(parsed))
        #expect(compiled.contains { $0.code == "invalid-error-backend" && $0.message.contains("302 is not an error status") && $0.location.description.contains(":3:") }, "\(compiled)")
        #expect(compiled.contains { $0.code == "unknown-upstream" && $0.message.contains("'nowhere'") && $0.location.description.contains(":4:") }, "\(compiled)")
        #expect(!table.routes.contains { $0.path == "/a" || $0.path == "/b" }, "a rule with a broken error backend is dropped")
        #expect(table.routes.contains { $0.path == "/c" })

        let (_, statusText) = ConfigFileParser.parse(
            "routes: [{ paths: [{ path: /, upstream: app, error_backend: { upstream: app, statuses: [abc] } }] }]", path: ConfigFileTestSupport.path)
        #expect(statusText.contains { $0.message.contains("'abc' is not a status") }, "\(statusText)")
        let (_, bare) = ConfigFileParser.parse("routes: [{ error_backend: true, paths: [] }]", path: ConfigFileTestSupport.path)
        #expect(bare.contains { $0.code == "error-backend" && $0.message.contains("names no upstream") }, "\(bare)")
    }

    @Test func pagesForApusOwnAnswers() throws {
        let directory = NSTemporaryDirectory() + "/apus-error-pages-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("<h1>down</h1>".utf8).write(to: URL(fileURLWithPath: directory + "/502.html"))
        try Data("{}".utf8).write(to: URL(fileURLWithPath: directory + "/404.json"))
        let (_, broken) = ConfigFileParser.parse("error_pages: { 503: missing.html, x: 502.html }", path: directory + "/apus.yaml")
        #expect(broken.contains { $0.code == "error-page" && $0.message.contains("missing.html") }, "\(broken)")
        #expect(broken.contains { $0.message.contains("a key in error_pages") }, "\(broken)")
        let yaml = """
        error_pages:
          502: 502.html
          404: 404.json
          302: 502.html
        routes: [{ paths: [{ path: /, upstream: app }] }]
        upstreams: { app: { endpoints: [127.0.0.1:9000] } }
        """
        let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: directory + "/apus.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let (table, compiled) = RouteTableCompiler.compile(try #require(parsed))
        #expect(compiled.contains { $0.code == "invalid-error-page" && $0.message.contains("302") }, "\(compiled)")
        #expect(table.errorPage(for: 502)?.body == Array("<h1>down</h1>".utf8))
        #expect(table.errorPage(for: 502)?.contentType == "text/html; charset=utf-8")
        #expect(table.errorPage(for: 404)?.contentType == "application/json")
        #expect(table.errorPage(for: 302) == nil && table.errorPage(for: 503) == nil)
    }
}
