import ApusNet
import Testing

/// The nap-or-block decisions of a worker whose event queue ran dry.
@Suite struct IdleNapsTests {
    /// Takes the worker's path through one idle moment in which nothing ever arrives:
    /// naps until `shouldNap` refuses (or `mayNap` does), then blocks. Returns the naps taken.
    private func idleMomentWithoutEvents(_ naps: inout IdleNaps, connections: Int = 16) -> Int {
        guard naps.mayNap(busyConnections: connections) else {
            naps.blocked()
            return 0
        }
        var taken = 0
        while naps.shouldNap() {
            taken += 1
            naps.polled(found: false)
        }
        naps.blocked()
        return taken
    }

    @Test func disabledNeverNaps() {
        let naps = IdleNaps(enabled: false)
        #expect(!naps.mayNap(busyConnections: 10_000))
    }

    /// Few busy connections means clients wait on each answer in turn: a nap would only delay them.
    @Test func napsOnlyWithEnoughBusyConnections() {
        let naps = IdleNaps(enabled: true)
        #expect(!naps.mayNap(busyConnections: IdleNaps.minimumConnections - 1))
        #expect(naps.mayNap(busyConnections: IdleNaps.minimumConnections))
    }

    /// A run of naps that finds nothing ends in a blocking wait, and each such run doubles
    /// the number of blocking waits that follow without a nap (1, 3, 7 … up to 63).
    @Test func emptyRunsBackOff() {
        var naps = IdleNaps(enabled: true)
        var napsPerMoment: [Int] = []
        for _ in 0..<140 { napsPerMoment.append(idleMomentWithoutEvents(&naps)) }
        let runs = napsPerMoment.enumerated().filter { $0.element > 0 }.map(\.offset)
        #expect(napsPerMoment.allSatisfy { $0 == 0 || $0 == IdleNaps.napsInARow })
        #expect(runs == [0, 2, 6, 14, 30, 62, 126])
    }

    /// A nap that finds events ends the back-off: the worker is busy again and naps at the
    /// next empty queue.
    @Test func eventsAfterANapResetTheBackOff() {
        var naps = IdleNaps(enabled: true)
        for _ in 0..<10 { _ = idleMomentWithoutEvents(&naps) }
        #expect(!naps.mayNap(busyConnections: 16), "backing off after empty runs")
        while !naps.mayNap(busyConnections: 16) { naps.blocked() }
        let napped = naps.shouldNap()
        #expect(napped)
        naps.polled(found: true)
        let taken = idleMomentWithoutEvents(&naps)
        #expect(taken == IdleNaps.napsInARow)
        #expect(naps.mayNap(busyConnections: 16) == false, "the first empty run after a reset skips one moment")
        naps.blocked()
        #expect(naps.mayNap(busyConnections: 16))
    }

    /// Events found by a plain poll also start a fresh run: an idle moment after a busy
    /// stretch gets all its naps even if the previous moment used some.
    @Test func eventsRestartTheRun() {
        var naps = IdleNaps(enabled: true)
        _ = naps.shouldNap()
        _ = naps.shouldNap()
        naps.polled(found: true)
        var taken = 0
        while naps.shouldNap() { taken += 1 }
        #expect(taken == IdleNaps.napsInARow)
    }
}
