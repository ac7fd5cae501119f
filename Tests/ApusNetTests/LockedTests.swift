import ApusNet
import Testing

@Suite struct LockedTests {
    /// Four threads each add 1 a hundred thousand times: unsynchronised read-modify-writes
    /// would lose increments; the lock makes the total exact.
    @Test func incrementsFromManyThreadsAreNotLost() {
        let counter = Locked(0)
        let threads = (0..<4).map { _ in
            spawnThread {
                for _ in 0..<100_000 { counter.withLock { $0 += 1 } }
            }
        }
        for thread in threads { joinThread(thread) }
        #expect(counter.withLock { $0 } == 400_000)
    }

    @Test func bodyErrorsPassThroughAndReleaseTheLock() {
        struct Refused: Error {}
        let value = Locked([1, 2])
        #expect(throws: Refused.self) { try value.withLock { _ throws(Refused) in throw Refused() } }
        #expect(value.withLock { $0.count } == 2)
    }
}
