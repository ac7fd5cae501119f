import Foundation
import Testing

/// Backpressure both ways through a tunnel: while one side doesn't read, apus stops reading the
/// other, so the sender stalls at a few socket buffers and apus's memory stays flat; once the
/// reader resumes every byte arrives (issue 3 point 6; DESIGN.md "Backpressure").
@Suite(.serialized) struct TunnelBackpressureTests {
    static let size = 256 << 20
    /// Kernel socket buffers on loopback grow to a few MiB each; four of them sit between the
    /// two peers, and apus itself holds two 128 KiB buffers per tunnel.
    static let stalledBelow = 64 << 20
    static let rssGrowthLimitKiB = 16 * 1024

    /// The upstream floods 256 MiB at a client that reads nothing for 3 s: the upstream stalls far
    /// short of the total, apus's RSS doesn't grow, then the client reads all 256 MiB.
    @Test(.timeLimit(.endToEnd(5))) func upstreamFloodWaitsForSlowClient() async throws {
        try await withScenario(slots: 2) { s in
            let backend = try await s.backend("flood")
            let port = try s.port()
            let apus = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            let before = apus.residentKiB() ?? 0
            let sampler = ResidentMemorySampler(apus)
            let connection = try await TunnelHalfCloseTests.openTunnel(port: port, path: "/upgrade-flood/\(Self.size)")
            try await Task.sleep(for: .seconds(3))
            let stats = try await HTTPClient.json(port: backend.port, path: "/__stats") as? [String: Any]
            let sentWhileStalled = stats?["flood_sent"] as? Int ?? -1
            #expect(sentWhileStalled > 0 && sentWhileStalled < Self.stalledBelow,
                    "the upstream got \(sentWhileStalled) bytes out while the client read nothing")
            let received = try await connection.discard(count: Self.size, timeout: .seconds(120))
            let memory = sampler.stop()
            #expect(received == Self.size, "received \(received) of \(Self.size)")
            expectResidentMemory(memory.peakKiB - before < Self.rssGrowthLimitKiB,
                                 "apus RSS grew from \(before) KiB to a peak of \(memory.peakKiB) KiB over \(memory.samples) samples")
        }
    }

    /// The client sends 256 MiB to an upstream that reads nothing for 3 s: the client stalls far short
    /// of the total, apus's RSS doesn't grow, then the upstream counts every byte.
    @Test(.timeLimit(.endToEnd(5))) func clientFloodWaitsForSlowUpstream() async throws {
        try await withScenario(slots: 2) { s in
            let backend = try await s.backend("sink")
            let port = try s.port()
            let apus = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint]), waitFor: [port])
            let before = apus.residentKiB() ?? 0
            let sampler = ResidentMemorySampler(apus)
            let connection = try await TunnelHalfCloseTests.openTunnel(port: port, path: "/upgrade-sink/3000")
            let progress = Locked(0)
            let sender = Task { try await connection.sendPieces(total: Self.size, progress: progress) }
            try await Task.sleep(for: .milliseconds(2500))
            let sentWhileStalled = progress.value
            #expect(sentWhileStalled < Self.stalledBelow, "the client got \(sentWhileStalled) bytes out while the upstream read nothing")
            try await sender.value
            connection.shutdownWrite()
            #expect(try await connection.readUntil(contains: "SUNK \(Self.size)\n", timeout: .seconds(120)), "the upstream counted every byte")
            let memory = sampler.stop()
            expectResidentMemory(memory.peakKiB - before < Self.rssGrowthLimitKiB,
                                 "apus RSS grew from \(before) KiB to a peak of \(memory.peakKiB) KiB over \(memory.samples) samples")
        }
    }
}
