import ApusNet
import Testing

@Suite struct DeadlineTests {
    private func fire(_ deadline: inout Deadline, _ wheel: inout TimerWheel, at now: UInt64) -> Bool {
        var entries: [TimerWheel.Entry] = []
        wheel.advance(to: now, fired: &entries)
        var due = false
        for entry in entries where deadline.fired(entryAt: entry.at, now: now, tag: entry.tag, in: &wheel) { due = true }
        return due
    }

    /// Pushing a deadline later arms nothing new; the old entry re-arms for the new time.
    @Test func laterDeadlineRearmsLazily() {
        var wheel = TimerWheel(now: 0)
        var deadline = Deadline()
        deadline.set(100, tag: 1, in: &wheel)
        deadline.set(300, tag: 1, in: &wheel)
        #expect(wheel.count == 1)
        #expect(!fire(&deadline, &wheel, at: 100))
        #expect(wheel.count == 1)
        #expect(!fire(&deadline, &wheel, at: 299))
        #expect(fire(&deadline, &wheel, at: 300))
    }

    /// Pulling a deadline earlier arms a new entry; the stale one is ignored when it fires.
    @Test func earlierDeadlineFiresOnceOnTime() {
        var wheel = TimerWheel(now: 0)
        var deadline = Deadline()
        deadline.set(500, tag: 1, in: &wheel)
        deadline.set(200, tag: 1, in: &wheel)
        #expect(fire(&deadline, &wheel, at: 200))
        #expect(!fire(&deadline, &wheel, at: 600))
    }

    /// A cleared deadline (0) never fires.
    @Test func clearedDeadlineDoesNotFire() {
        var wheel = TimerWheel(now: 0)
        var deadline = Deadline()
        deadline.set(100, tag: 1, in: &wheel)
        deadline.at = 0
        #expect(!fire(&deadline, &wheel, at: 1_000))
    }
}
