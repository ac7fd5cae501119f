import Foundation
import Testing

/// gRPC through Apus with real grpcio clients and servers: every call type with its
/// messages, metadata and status intact, 16 MiB messages, deadlines, cancellation, 1,000
/// calls over 10 connections, the health-checking protocol, and Apus's own failures
/// answered as gRPC status.
@Suite struct GRPCTests {
    struct Setup {
        var apus: ApusProcess
        var h2c: Int
        var https: Int
        var certificates: TLSTestCertificates
    }

    /// An h2c and an HTTPS listener; `/apus.test.Echo/` and the health service go to
    /// `upstream`, `/dead.Echo/` to a port nothing listens on, `/slow.Echo/` to a listener
    /// that never answers.
    static func start(_ s: Scenario, upstream: String) async throws -> Setup {
        let certificates = try await TLSTestCertificates.shared()
        let (h2c, https, closed) = (try s.port(), try s.port(), try s.port())
        // Connects to it hang: the upstream never answers.
        let blackhole = try BlackholeListener()
        s.afterTearDown { _ = blackhole }
        let apus = try await s.apus("""
        workers: 1
        listeners:
          - { name: h2c, listen: 127.0.0.1:\(h2c), h2c: true }
          - { name: https, listen: 127.0.0.1:\(https), tls: { certificates: [{ cert: \(certificates.app.cert), key: \(certificates.app.key) }] } }
        routes:
          - paths:
              - { path: /apus.test.Echo/, type: Prefix, upstream: grpc }
              - { path: /grpc.health.v1.Health/, type: Prefix, upstream: grpc }
              - { path: /dead.Echo/, type: Prefix, upstream: dead }
              - { path: /slow.Echo/, type: Prefix, upstream: slow }
        upstreams:
          \(upstream)
          dead: { protocol: h2, endpoints: [127.0.0.1:\(closed)] }
          slow: { protocol: h2, endpoints: [127.0.0.1:\(blackhole.port)], read_timeout: 30s }
        """, waitFor: [h2c, https])
        return Setup(apus: apus, h2c: h2c, https: https, certificates: certificates)
    }

    static func expectCalls(_ result: [String: Any]) {
        #expect(result["unary"] as? String == "hello", "\(result)")
        #expect(result["initial_metadata"] as? String == "meta-1" && result["trailing_metadata"] as? String == "done", "\(result)")
        #expect(result["big_unary_exact"] as? Bool == true, "\(result)")
        #expect(result["server_stream"] as? [Int] == [100, 102_400], "\(result)")
        #expect(result["server_stream_big"] as? [Int] == [16_777_216, 16_777_216, 16_777_216], "\(result)")
        #expect(result["client_stream_exact"] as? Bool == true && result["bidi_exact"] as? Bool == true, "\(result)")
        #expect(result["status"] as? [String] == ["NOT_FOUND", "no such thing \u{2713}"], "\(result)")
        #expect(result["failed_trailer"] as? String == "failed", "\(result)")
        #expect((result["deadline"] as? [String])?.first == "DEADLINE_EXCEEDED", "\(result)")
        #expect(result["health"] as? [String] == ["SERVING", "SERVING", "NOT_SERVING"], "\(result)")
        #expect(result["health_unknown"] as? String == "NOT_FOUND" && result["health_watch"] as? String == "SERVING", "\(result)")
    }

    /// Every call type through an h2c listener and an HTTPS one (ALPN h2) to an h2c
    /// server; the access log names the calls HTTP/2.0.
    @Test(.timeLimit(.endToEnd(3))) func everyCallTypePassesThrough() async throws {
        try await withScenario { s in
            let server = try await s.grpcServer()
            let setup = try await Self.start(s, upstream: "grpc: { protocol: h2, endpoints: [\(server.endpoint)] }")
            Self.expectCalls(try await GRPCPeer.run("127.0.0.1:\(setup.h2c)", "calls", in: s.dir))
            Self.expectCalls(try await GRPCPeer.run("127.0.0.1:\(setup.https)", "calls", ca: setup.certificates.ca, in: s.dir))
            #expect(await eventually(timeout: .seconds(5)) { setup.apus.stdout.contains("\"POST /apus.test.Echo/Bidi HTTP/2.0\" 200") },
                    "\(setup.apus.stdout.suffix(2000))")
        }
    }

    /// A gRPC server over TLS (ALPN h2), verified against its CA.
    @Test(.timeLimit(.endToEnd(3))) func aServerOverTLS() async throws {
        try await withScenario { s in
            let certificates = try await TLSTestCertificates.shared()
            let server = try await s.grpcServer(tls: certificates.app)
            let setup = try await Self.start(s, upstream: """
            grpc: { protocol: h2, endpoints: [\(server.endpoint)], tls: { ca: \(certificates.ca), server_name: localhost } }
            """)
            Self.expectCalls(try await GRPCPeer.run("127.0.0.1:\(setup.h2c)", "calls", in: s.dir))
        }
    }

    /// A client that cancels a server stream: the cancel reaches the server (RST_STREAM
    /// through Apus), which stops sending.
    @Test(.timeLimit(.endToEnd(2))) func cancellationReachesTheServer() async throws {
        try await withScenario { s in
            let server = try await s.grpcServer()
            let setup = try await Self.start(s, upstream: "grpc: { protocol: h2, endpoints: [\(server.endpoint)] }")
            let result = try await GRPCPeer.run("127.0.0.1:\(setup.h2c)", "cancel", in: s.dir)
            #expect(result["first"] as? Int == 10 && result["code"] as? String == "CANCELLED", "\(result)")
            #expect(await eventually(timeout: .seconds(15)) { server.cancellations == 1 }, "\(server.child.stdout)")
        }
    }

    /// 1,000 calls at once over 10 client connections, multiplexed on Apus's upstream
    /// connection(s): all answered.
    @Test(.timeLimit(.endToEnd(2))) func aThousandConcurrentCalls() async throws {
        try await withScenario { s in
            let server = try await s.grpcServer()
            let setup = try await Self.start(s, upstream: "grpc: { protocol: h2, endpoints: [\(server.endpoint)] }")
            let result = try await GRPCPeer.run("127.0.0.1:\(setup.h2c)", "many", in: s.dir)
            #expect(result["ok"] as? Int == 1000, "\(result)")
        }
    }

    /// A call tried again after a connect timed out has only what is left of its deadline:
    /// two endpoints whose connects hang, 2 s each, and a 3 s grpc-timeout give
    /// DEADLINE_EXCEEDED at 3 s (with the deadline counted afresh per attempt, at 4 s).
    @Test(.timeLimit(.endToEnd(2))) func aRetriedCallKeepsItsDeadline() async throws {
        try await withScenario { s in
            let (first, second) = (try BlackholeListener(), try BlackholeListener())
            s.afterTearDown { _ = (first, second) }
            let setup = try await Self.start(s, upstream: "grpc: { protocol: h2, endpoints: [\(first.endpoint), \(second.endpoint)], connect_timeout: 2s }")
            let call = try await Tool.run("/usr/bin/nghttp", [
                "-v", "-H", "content-type: application/grpc", "-H", "te: trailers", "-H", "grpc-timeout: 3S", "-d", "/dev/null",
                "http://127.0.0.1:\(setup.h2c)/apus.test.Echo/Unary",
            ], in: s.dir)
            #expect(call.stdout.contains(":status: 200") && call.stdout.contains("grpc-status: 4"), "\(call.stdout)")
            // When the answer came, by nghttp's own clock ("[  3.002] recv ... grpc-status: 4"),
            // so that starting the tool does not count. Not at 2 s: the first connect timing
            // out is its endpoint's failure, tried again.
            let line = call.stdout.split(separator: "\n").first { $0.contains("grpc-status: 4") }
            let seconds = line.flatMap { $0.split(separator: "]").first }.flatMap { Double($0.dropFirst().trimmingCharacters(in: .whitespaces)) }
            #expect(seconds.map { $0 >= 2.9 && $0 < 3.6 } == true, "answered at \(String(describing: seconds)): \(call.stdout)")
        }
    }

    /// What Apus cannot complete is answered as gRPC status, trailers only: a refused
    /// connect is UNAVAILABLE; an upstream that cannot be reached within the call's
    /// grpc-timeout is DEADLINE_EXCEEDED, from Apus (nghttp waits longer than the timeout).
    /// A request that is not gRPC still gets the error page.
    @Test(.timeLimit(.endToEnd(2))) func failuresAreGRPCStatus() async throws {
        try await withScenario { s in
            let server = try await s.grpcServer()
            let setup = try await Self.start(s, upstream: "grpc: { protocol: h2, endpoints: [\(server.endpoint)] }")
            let refused = try await Tool.run("/usr/bin/nghttp", [
                "-v", "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", "/dev/null",
                "http://127.0.0.1:\(setup.h2c)/dead.Echo/Unary",
            ], in: s.dir)
            #expect(refused.stdout.contains(":status: 200") && refused.stdout.contains("grpc-status: 14"), "\(refused.stdout)")
            #expect(refused.stdout.contains("content-type: application/grpc"), "\(refused.stdout)")
            let started = ContinuousClock.now
            let late = try await Tool.run("/usr/bin/nghttp", [
                "-v", "-H", "content-type: application/grpc", "-H", "te: trailers", "-H", "grpc-timeout: 300m", "-d", "/dev/null",
                "http://127.0.0.1:\(setup.h2c)/slow.Echo/Unary",
            ], in: s.dir)
            #expect(late.stdout.contains(":status: 200") && late.stdout.contains("grpc-status: 4"), "\(late.stdout)")
            #expect(ContinuousClock.now - started < .seconds(5))
            let plain = try await s.curl(["--http2-prior-knowledge", "http://127.0.0.1:\(setup.h2c)/dead.Echo/Unary"])
            #expect(plain.status == 502, "\(plain)")
        }
    }
}
