import ApusNet
import Testing

@Suite struct TimerWheelTests {
    private func fired(_ wheel: inout TimerWheel, at now: UInt64) -> [UInt64] {
        var out: [TimerWheel.Entry] = []
        wheel.advance(to: now, fired: &out)
        return out.map(\.tag).sorted()
    }

    /// An entry fires once its time has come, not before.
    @Test func firesWhenDue() {
        var wheel = TimerWheel(now: 1_000)
        wheel.schedule(tag: 7, at: 1_050)
        #expect(fired(&wheel, at: 1_049).isEmpty)
        #expect(fired(&wheel, at: 1_050) == [7])
        #expect(wheel.count == 0)
        #expect(fired(&wheel, at: 2_000).isEmpty)
    }

    /// Entries further away than one revolution wait in their slot until really due.
    @Test func laterRevolutionsWait() {
        var wheel = TimerWheel(now: 0, tickMilliseconds: 10, slotCount: 8)
        wheel.schedule(tag: 1, at: 30)
        wheel.schedule(tag: 2, at: 30 + 80 * 3)
        #expect(fired(&wheel, at: 30) == [1])
        #expect(fired(&wheel, at: 110).isEmpty)
        #expect(fired(&wheel, at: 269).isEmpty)
        #expect(fired(&wheel, at: 270) == [2])
    }

    /// With only entries of later revolutions pending, the loop may sleep until the first
    /// of them: a wheel whose current slot holds a 60 s deadline must not ask for a zero
    /// timeout (that was a busy loop of epoll_wait(0) on an idle worker).
    @Test func sleepsUntilTheEarliestEntryOfALaterRevolution() {
        var wheel = TimerWheel(now: 1_000, tickMilliseconds: 10, slotCount: 8)
        wheel.schedule(tag: 1, at: 1_000 + 60_000)
        wheel.schedule(tag: 2, at: 1_000 + 45_005)
        wheel.schedule(tag: 3, at: 1_004)
        #expect(fired(&wheel, at: 1_004) == [3])
        #expect(wheel.timeout(now: 1_004, cap: 100_000) == 45_002)
        for now in stride(from: UInt64(1_005), through: 46_000, by: 7) {
            #expect(fired(&wheel, at: now).isEmpty)
            #expect(wheel.timeout(now: now, cap: 1_000) > 0, "busy at \(now)")
        }
        #expect(fired(&wheel, at: 46_005) == [2])
        #expect(wheel.timeout(now: 46_005, cap: 100_000) == 14_996)
        #expect(fired(&wheel, at: 61_000) == [1])
        #expect(wheel.timeout(now: 61_000, cap: 1_000) == 1_000)
    }

    /// A long pause (the loop slept) fires everything that became due meanwhile.
    @Test func catchesUpAfterLongPause() {
        var wheel = TimerWheel(now: 0, tickMilliseconds: 10, slotCount: 16)
        for tag in 0..<50 { wheel.schedule(tag: UInt64(tag), at: UInt64(tag * 37)) }
        let all = fired(&wheel, at: 100_000)
        #expect(all == (0..<50).map(UInt64.init))
    }

    /// Deadlines in the past fire on the next advance.
    @Test func pastDeadlineFiresImmediately() {
        var wheel = TimerWheel(now: 500)
        wheel.schedule(tag: 3, at: 100)
        #expect(wheel.timeout(now: 500, cap: 1000) == 0)
        #expect(fired(&wheel, at: 500) == [3])
    }

    /// The loop sleeps no longer than until the earliest entry, and the cap without entries.
    @Test func timeoutFollowsEarliestEntry() {
        var wheel = TimerWheel(now: 0)
        #expect(wheel.timeout(now: 0, cap: 1000) == 1000)
        wheel.schedule(tag: 1, at: 250)
        let timeout = wheel.timeout(now: 0, cap: 1000)
        #expect(timeout >= 250 && timeout <= 252)
        #expect(fired(&wheel, at: 250) == [1])
        #expect(wheel.timeout(now: 250, cap: 1000) == 1000)
    }
}
