import Foundation
import Testing

/// `apus serve` refuses to start on a config it can't serve, saying why, instead of serving nothing.
@Suite struct ServeStartupTests {
    /// An invalid config file: non-zero exit within seconds, the file:line:column diagnostic on stderr, nothing listening.
    @Test(.timeLimit(.endToEnd(3))) func invalidConfigExits() async throws {
        try await withScenario { s in
            let port = try s.port()
            let path = try s.dir.write("bad.yaml", ApusConfig.yaml(listen: port, body: """
            routes:
              - paths: [ { path: /, type: Prefix, upstream: missing } ]
            """))
            let run = try await ApusProcess.runToCompletion(["serve", "--config", path], in: s.dir, timeout: .seconds(10))
            #expect(run.exit != .code(0), "serve exited 0 with an invalid config")
            #expect(run.stderr.contains("bad.yaml:5:"), "no diagnostic naming bad.yaml:5 in stderr:\n\(run.stderr)")
            #expect(!RawConnection.accepts(port: port))
        }
    }

    /// A listen address already in use: non-zero exit with a message naming the address.
    @Test(.timeLimit(.endToEnd(3))) func portInUseExits() async throws {
        try await withScenario { s in
            let busy = try await s.backend("squatter")
            let path = try s.dir.write("busy.yaml", ApusConfig.yaml(listen: busy.port, body: """
            routes:
              - paths: [ { path: /, type: Prefix, respond: { status: 200, body: "x", content_type: text/plain } } ]
            """))
            let run = try await ApusProcess.runToCompletion(["serve", "--config", path], in: s.dir, timeout: .seconds(10))
            #expect(run.exit != .code(0), "serve exited 0 though its port is taken")
            #expect(run.stderr.contains("127.0.0.1:\(busy.port)"), "stderr doesn't name the busy address:\n\(run.stderr)")
        }
    }

    /// A missing config file: exit code 1 or 2 with a message naming the file.
    @Test(.timeLimit(.endToEnd(3))) func missingConfigExits() async throws {
        try await withScenario { s in
            let run = try await ApusProcess.runToCompletion(["serve", "--config", s.dir.file("nope.yaml")], in: s.dir, timeout: .seconds(10))
            #expect(run.exit == .code(1) || run.exit == .code(2), "\(run.exit)")
            #expect(run.stderr.contains("nope.yaml") || run.stdout.contains("nope.yaml"))
        }
    }
}
