import Foundation
import Testing

/// Listeners use SO_REUSEPORT so that every worker accepts on the same address; another
/// process must not be able to join in silently (issue 17 point 5).
@Suite struct ListenerConflictTests {
    /// A second apus on the same address refuses to start, saying the address is in use, and
    /// the first keeps every connection (before: it started and took a share of them).
    @Test(.timeLimit(.endToEnd(3))) func secondApusOnTheSameAddressRefusesToStart() async throws {
        try await withScenario { s in
            let backend = try await s.backend("first")
            let port = try s.port()
            let yaml = ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint])
            let first = try await s.apus(yaml, waitFor: [port])
            let config = try s.dir.write("second.yaml", yaml)
            let second = try await ApusProcess.runToCompletion(["serve", "--config", config], in: s.dir, timeout: .seconds(10))
            #expect(second.exit == .code(1), "the second apus: \(second.exit)")
            #expect(second.stderr.contains("127.0.0.1:\(port)") && second.stderr.contains("Address already in use")
                    && second.stderr.contains("another process listens there"), "\(second.stderr)")
            for index in 0..<20 {
                #expect(try await HTTPClient.request(port: port, path: "/echo?i=\(index)").header("X-Backend") == "first")
            }
            #expect(first.child.isRunning)
        }
    }

    /// A reload that adds a listener on an address another process holds is rejected; the
    /// listeners this apus already has (its own workers share them) reload as before.
    @Test(.timeLimit(.endToEnd(3))) func reloadOntoAnotherProcessesAddressIsRejected() async throws {
        try await withScenario { s in
            let backend = try await s.backend("b")
            let (port, taken) = (try s.port(), try s.port())
            let apus = try await s.apus(ApusConfig.yaml(listen: port, workers: "2", body: """
            routes:
              - paths: [{ path: /, type: Prefix, upstream: app }]
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
            """), waitFor: [port])
            let squatter = try await HostileUpstream.start(mode: "ok", name: "squatter", port: taken, in: s.dir)
            s.track(squatter.child)
            try apus.rewriteConfig("""
            workers: 2
            listeners:
              - { name: http, listen: 127.0.0.1:\(port) }
              - { name: extra, listen: 127.0.0.1:\(taken) }
            routes:
              - paths: [{ path: /, type: Prefix, upstream: app }]
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
            """)
            apus.send(SIGHUP)
            let rejected = await eventually(timeout: .seconds(5)) {
                apus.stderr.contains("listener extra") && apus.stderr.contains("configuration rejected")
            }
            #expect(rejected, "stderr:\n\(apus.stderrTail())")
            for _ in 0..<10 {
                #expect(try await HTTPClient.request(port: taken, path: "/x").header("X-Backend") == "squatter", "apus took a share of the port")
            }
            #expect(try await HTTPClient.request(port: port, path: "/echo").status == 200)
        }
    }
}
