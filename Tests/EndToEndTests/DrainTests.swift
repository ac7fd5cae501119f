import Foundation
import Testing

/// SIGTERM/SIGINT drain: stop accepting, let in-flight requests finish, close idle keep-alive
/// connections, exit 0; force the exit after timeouts.drain.
@Suite struct DrainTests {
    static func start(_ s: Scenario, drain: String = "10s") async throws -> (apus: ApusProcess, port: Int, backend: PythonBackend) {
        let backend = try await s.backend("drain")
        let port = try s.port()
        let apus = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint],
                                                        extra: "timeouts: { drain: \(drain) }"), waitFor: [port])
        return (apus, port, backend)
    }

    /// A slow request in flight at SIGTERM completes with 200, new connections are refused meanwhile, exit code 0.
    @Test(.timeLimit(.endToEnd(3))) func inFlightRequestCompletes() async throws {
        try await withScenario { s in
            let (apus, port, backend) = try await Self.start(s)
            let slow = Task { try await HTTPClient.request(port: port, path: "/delay/3000", timeout: .seconds(10)) }
            _ = try await eventually(timeout: .seconds(3)) { try await backend.stats().paths.contains("/delay/3000") }
            apus.send(SIGTERM)
            let refused = await eventually(timeout: .seconds(2)) { !RawConnection.accepts(port: port) }
            #expect(refused, "new connections still accepted while draining")
            let response = try await slow.value
            #expect(response.status == 200)
            #expect(response.bodyText == "slept\n")
            let exit = await apus.child.waitForExit(timeout: .seconds(5))
            #expect(exit == .code(0), "exit: \(String(describing: exit)); stderr:\n\(apus.stderrTail())")
        }
    }

    /// Idle keep-alive connections are closed at SIGINT and the process exits 0 promptly.
    @Test(.timeLimit(.endToEnd(3))) func idleKeepAliveClosed() async throws {
        try await withScenario { s in
            let (apus, port, _) = try await Self.start(s)
            let idle = try await RawConnection.connect(port: port)
            try await idle.send("GET /echo HTTP/1.1\r\nHost: d.test\r\n\r\n")
            #expect(try await idle.readResponse()?.status == 200)
            apus.send(SIGINT)
            #expect(try await idle.waitForClose(timeout: .seconds(3)), "idle keep-alive connection not closed on drain")
            let exit = await apus.child.waitForExit(timeout: .seconds(3))
            #expect(exit == .code(0), "exit: \(String(describing: exit))")
        }
    }

    /// A request outliving timeouts.drain doesn't keep the process alive: it exits soon after the drain timeout.
    @Test(.timeLimit(.endToEnd(3))) func drainTimeoutForcesExit() async throws {
        try await withScenario { s in
            let (apus, port, backend) = try await Self.start(s, drain: "1s")
            let stuck = Task { try? await HTTPClient.request(port: port, path: "/delay/20000", timeout: .seconds(25)) }
            _ = try await eventually(timeout: .seconds(3)) { try await backend.stats().paths.contains("/delay/20000") }
            let start = ContinuousClock.now
            apus.send(SIGTERM)
            let exit = await apus.child.waitForExit(timeout: .seconds(5))
            #expect(exit != nil, "still running 5 s after SIGTERM with drain: 1s")
            #expect(ContinuousClock.now - start >= .milliseconds(800), "exited before the drain timeout")
            stuck.cancel()
        }
    }
}
