import Testing

/// Quick mode: `apus serve --listen ... --upstream ...` proxies everything to one upstream.
@Suite struct QuickModeTests {
    /// Every path and method is proxied to the upstream, bodies intact.
    @Test(.timeLimit(.endToEnd(3))) func proxiesEverything() async throws {
        try await withScenario { s in
            let backend = try await s.backend("quick")
            let port = try s.port()
            _ = try await s.apus(arguments: ["serve", "--listen", "127.0.0.1:\(port)", "--upstream", backend.endpoint], waitFor: [port])
            for path in ["/", "/echo", "/a/b/c?d=e"] {
                let response = try await HTTPClient.request(port: port, path: path, host: "anything.test")
                #expect(response.status == 200, "\(path)")
                #expect(response.header("X-Backend") == "quick")
                #expect(try EchoReply(response.body).path == path)
            }
            let post = try await s.curl(["--data-binary", "quick body", "http://127.0.0.1:\(port)/echo"])
            #expect(post.status == 200)
            #expect(try EchoReply(Array(post.body)).bodyLength == 10)
        }
    }

    /// `--workers 2` and `--admin` work in quick mode; the admin listener answers /healthz.
    @Test(.timeLimit(.endToEnd(3))) func workersAndAdmin() async throws {
        try await withScenario { s in
            let backend = try await s.backend("quick")
            let (port, admin) = (try s.port(), try s.port())
            _ = try await s.apus(arguments: ["serve", "--listen", "127.0.0.1:\(port)", "--upstream", backend.endpoint,
                                             "--workers", "2", "--admin", "127.0.0.1:\(admin)"], waitFor: [port, admin])
            for index in 0..<20 {
                #expect(try await HTTPClient.request(port: port, path: "/echo?i=\(index)").status == 200)
            }
            #expect(try await HTTPClient.request(port: admin, path: "/healthz").status == 200)
        }
    }

    /// A dead upstream in quick mode gives 502, not a crash.
    @Test(.timeLimit(.endToEnd(3))) func deadUpstream() async throws {
        try await withScenario { s in
            let (port, dead) = (try s.port(), try s.port())
            let apus = try await s.apus(arguments: ["serve", "--listen", "127.0.0.1:\(port)", "--upstream", "127.0.0.1:\(dead)"], waitFor: [port])
            #expect(try await HTTPClient.request(port: port, path: "/").status == 502)
            #expect(apus.child.isRunning)
        }
    }
}
