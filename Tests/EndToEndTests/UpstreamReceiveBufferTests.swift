import Testing

/// Connections to an upstream on a loopback address keep a fixed 256 KiB receive buffer
/// (`EndpointState.loopbackReceiveBufferBytes`, 128 KiB, doubled by the kernel) instead of
/// the megabytes autotuning grows it to, and bodies still pass whole through it.
@Suite struct UpstreamReceiveBufferTests {
    /// The receive buffers (`skmem` `rb`) of this host's established TCP sockets whose remote
    /// port is `port`, as `ss` reports them.
    private func receiveBuffers(toPort port: Int, in s: Scenario) async throws -> [Int] {
        let output = try await Tool.run("/usr/bin/env", ["ss", "-tmnH", "state", "established", "dport = :\(port)"], in: s.dir)
        #expect(output.succeeded, "ss: \(output.stderr)")
        return output.stdout.split(separator: ",").compactMap { field in
            field.hasPrefix("rb") ? Int(field.dropFirst(2)) : nil
        }
    }

    @Test(.timeLimit(.endToEnd(3))) func loopbackUpstreamKeepsItsReceiveBuffer() async throws {
        try await withScenario { s in
            let backend = try await s.backend("rcvbuf")
            let port = try s.port()
            _ = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            // 32 MiB: enough for autotuning to have grown a buffer left to it well past 256 KiB.
            let size = 32 << 20
            let response = try await HTTPClient.request(port: port, path: "/bytes/\(size)", timeout: .seconds(60))
            #expect(response.status == 200)
            #expect(response.body.count == size)
            // The connection that carried it is pooled (keep-alive), so still established.
            let buffers = try await receiveBuffers(toPort: backend.port, in: s)
            #expect(!buffers.isEmpty, "no established connection to the backend")
            #expect(buffers.allSatisfy { $0 == 262_144 }, "receive buffers \(buffers)")
        }
    }
}
