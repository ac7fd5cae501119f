import ApusCore
import Testing

/// The peak EWMA behind `balance: ewma`.
@Suite struct LatencyEWMATests {
    @Test func peaksAtOnceAndDecaysSlowly() {
        var ewma = LatencyEWMA()
        #expect(!ewma.isKnown && ewma.value(at: 1_000) == 0 && ewma.cost(activeRequests: 3, at: 1_000) == 0)
        ewma.observe(1_000, at: 1_000)
        #expect(ewma.value(at: 1_000) == 1_000, "the first answer is the average")
        ewma.observe(50_000, at: 1_100)
        #expect(ewma.value(at: 1_100) == 50_000, "a slower answer takes over at once (the peak)")
        ewma.observe(1_000, at: 1_200)
        let afterOneFast = ewma.value(at: 1_200)
        #expect(afterOneFast > 49_000 && afterOneFast < 50_000, "a faster answer 100 ms later pulls it down a little: \(afterOneFast)")
        for step in 1...200 { ewma.observe(1_000, at: 1_200 + UInt64(step) * 100) }
        let settled = ewma.value(at: 21_200)
        #expect(settled > 1_000 && settled < 12_000, "20 s of fast answers bring it most of the way back: \(settled)")
        #expect(ewma.value(at: 21_200 + 30_000) < settled * 0.06, "left alone for 30 s it fades towards zero")
        #expect(ewma.cost(activeRequests: 2, at: 21_200) == settled * 3, "one share per request in flight and this one")
    }
}
