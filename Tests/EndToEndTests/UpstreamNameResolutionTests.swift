import Foundation
import Testing

/// Upstream endpoints written as DNS names are resolved by the control plane through the
/// system resolver. `localhost.` (a fully qualified spelling) is a name every machine
/// resolves, while bare `localhost` is taken by the compiler as 127.0.0.1 without a lookup.
@Suite struct UpstreamNameResolutionTests {
    @Test(.timeLimit(.endToEnd(3))) func namedEndpointsAreResolvedAndUnknownNamesAnswer503() async throws {
        try await withScenario { s in
            let backend = try await s.backend("named")
            let port = try s.port()
            let admin = try s.port()
            let backendPort = backend.endpoint.split(separator: ":").last!
            let apus = try await s.apus(ApusConfig.yaml(listen: port, admin: admin, body: """
            routes:
              - paths:
                  - { path: /known, upstream: known }
                  - { path: /unknown, upstream: unknown }
            upstreams:
              known: { endpoints: ["localhost.:\(backendPort)"] }
              unknown: { endpoints: ["apus-no-such-host.invalid:80"] }
            """), waitFor: [port])
            let known = try await s.curl(["http://127.0.0.1:\(port)/known/echo"])
            #expect(known.status == 200, "\(known) \(apus.stderrTail())")
            #expect(try EchoReply(Array(known.body)).backend == "named")
            let unknown = try await s.curl(["http://127.0.0.1:\(port)/unknown"])
            #expect(unknown.status == 503)
            #expect(apus.stderrTail().contains("cannot resolve 'apus-no-such-host.invalid'"))
            let routes = try await s.curl(["http://127.0.0.1:\(admin)/routes"])
            #expect(routes.bodyText.contains("127.0.0.1:\(backendPort) (localhost)"), "\(routes.bodyText.prefix(2000))")
        }
    }

    @Test(.timeLimit(.endToEnd(3))) func validateWarnsAboutNamesItCannotResolve() async throws {
        try await withScenario { s in
            let config = try s.dir.write("names.yaml", """
            listeners: [{ listen: 127.0.0.1:8080 }]
            routes:
              - paths: [{ path: /, upstream: api }]
            upstreams:
              api: { endpoints: ["apus-no-such-host.invalid:80", "10.0.0.1:80"] }
            """)
            let output = try await ApusProcess.runToCompletion(["validate", config], in: s.dir)
            #expect(output.exit == .code(0), "\(output)")
            #expect(output.stdout.contains("\(config):5:22: warning: upstream 'api': cannot resolve 'apus-no-such-host.invalid'"), "\(output.stdout)")
        }
    }
}
