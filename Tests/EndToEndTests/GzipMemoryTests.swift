import Foundation
import Testing

/// Compression keeps backpressure: a 200 MiB compressed download to a client that first stalls
/// and then reads slowly does not grow apus's memory beyond a few MiB (one chunk and zlib's state).
@Suite(.serialized) struct GzipMemoryTests {
    static let growthLimitKiB = 6 * 1024

    /// 200 MiB of incompressible text/plain (so the compressed stream is as big) through a stalling, slow reader.
    @Test(.timeLimit(.endToEnd(5))) func slowReaderKeepsMemoryBounded() async throws {
        try await withScenario(slots: ScenarioGate.capacity) { s in
            let backend = try await s.backend("gzbig")
            let port = try s.port()
            let apus = try await s.apus(ApusConfig.proxyAll(listen: port, endpoints: [backend.endpoint],
                                                            upstreamOptions: "read_timeout: 60s"), waitFor: [port])
            // Warm up: the worker's buffers and one compressor exist before the baseline.
            _ = try await GzipPeer.fetch(s, port: port, ["GET /gz?n=300000&kind=noise"])
            try await Task.sleep(for: .milliseconds(300))
            let baseline = try #require(apus.residentKiB())
            let size = 200 << 20
            let sampler = ResidentMemorySampler(apus)
            let streamed = try await GzipPeer.stream(s, port: port, path: "/gz?n=\(size)&kind=noise", stall: 3, delay: 0.002,
                                                     timeout: .seconds(240))
            let memory = sampler.stop()
            #expect(streamed.complete && streamed.length == size, "\(streamed)")
            #expect(streamed.sha256 == (try await GzipCompressionTests.expectedSHA(backend, n: size, kind: "noise")))
            let growth = memory.peakKiB - baseline
            print("gzip 200 MiB slow reader: apus RSS baseline \(baseline) KiB, peak \(memory.peakKiB) KiB (+\(growth) KiB) over \(memory.samples) samples")
            expectResidentMemory(growth < Self.growthLimitKiB, "apus RSS grew \(growth) KiB (baseline \(baseline), peak \(memory.peakKiB))")
        }
    }
}
