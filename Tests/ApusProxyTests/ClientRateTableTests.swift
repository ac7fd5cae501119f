import ApusCore
import Foundation
import Testing
@testable import ApusProxy

/// The per-client counts behind `rate_limit`, on a manual clock: nginx's burst arithmetic,
/// requests in progress, and memory that stays put under a flood of distinct addresses.
@Suite struct ClientRateTableTests {
    static func rate(perSecond: Int, multiplier: Int) -> CompiledRateLimit.Rate {
        CompiledRateLimit(config: RateLimitConfig(perSecond: perSecond, burstMultiplier: multiplier), zone: "test").perSecond!
    }

    static func client(_ n: UInt64) -> ClientAddress { ClientAddress(high: 0, low: 0xFFFF_0000_0000 | n) }

    /// 2 per second with a multiplier of 5: 1 + 10 at once, then one every 500 ms.
    @Test func burstThenTheRate() {
        let table = ClientRateTable()
        let rate = Self.rate(perSecond: 2, multiplier: 5)
        let passed = (0..<20).filter { _ in table.admit(rate, client: Self.client(1), now: 1_000) == nil }.count
        #expect(passed == 11)
        #expect(table.admit(rate, client: Self.client(1), now: 1_000) == 500, "the next one in 500 ms")
        #expect(table.admit(rate, client: Self.client(1), now: 1_499) != nil)
        #expect(table.admit(rate, client: Self.client(1), now: 1_500) == nil)
        #expect(table.admit(rate, client: Self.client(2), now: 1_500) == nil, "another client has its own count")
        #expect(table.admit(rate, client: Self.client(1), now: 100_000_000) == nil, "a long pause drains everything (no overflow)")
    }

    @Test func perMinuteWaits() throws {
        let table = ClientRateTable()
        let limit = CompiledRateLimit(config: RateLimitConfig(perMinute: 1, burstMultiplier: 1), zone: "m")
        let rate = try #require(limit.perMinute)
        #expect(table.admit(rate, client: Self.client(7), now: 0) == nil)
        #expect(table.admit(rate, client: Self.client(7), now: 0) == nil, "a burst of one")
        let wait = try #require(table.admit(rate, client: Self.client(7), now: 0))
        #expect(wait > 59_000 && wait <= 60_010, "a minute, give or take the drain's rounding: \(wait)")
    }

    @Test func requestsInProgress() {
        let table = ClientRateTable()
        func counted(_ zone: UInt64) -> Bool {
            if case .counted = table.acquire(zone: zone, client: Self.client(1), limit: 2, now: 0) { return true }
            return false
        }
        #expect(counted(9) && counted(9))
        #expect(!counted(9))
        #expect(counted(10), "another zone")
        table.release(zone: 9, client: Self.client(1))
        #expect(counted(9))
    }

    /// A burst of 0 is the bare rate; a refund gives a request back; a client refused over
    /// and over stays the most recently seen (a flood evicts others first).
    @Test func noBurstRefundAndRecency() {
        let table = ClientRateTable()
        let strict = Self.rate(perSecond: 10, multiplier: 0)
        #expect(table.admit(strict, client: Self.client(3), now: 0) == nil, "the first request")
        #expect(table.admit(strict, client: Self.client(3), now: 50) != nil, "the next within 100 ms is refused")
        #expect(table.admit(strict, client: Self.client(3), now: 100) == nil)
        let rate = Self.rate(perSecond: 1, multiplier: 1)
        #expect(table.admit(rate, client: Self.client(4), now: 0) == nil && table.admit(rate, client: Self.client(4), now: 0) == nil)
        #expect(table.admit(rate, client: Self.client(4), now: 0) != nil)
        table.refund(rate, client: Self.client(4))
        #expect(table.admit(rate, client: Self.client(4), now: 0) == nil, "the refunded request's room")
    }

    /// Two million distinct clients: the table never holds more than its capacity (its
    /// memory is fixed when it is made; the end-to-end test measures a process's), and a
    /// client under limit is still counted afterwards.
    @Test func aFloodOfAddressesStaysBounded() throws {
        let table = ClientRateTable()
        let rate = Self.rate(perSecond: 1, multiplier: 1)
        for n in 0..<2_000_000 as Range<UInt64> { _ = table.admit(rate, client: Self.client(n + 1_000), now: n / 1_000) }
        let occupied = table.occupancy()
        let bytes = ClientRateTable.capacity * MemoryLayout<ClientRateTable.Slot>.stride
        print("rate limiter: 2,000,000 distinct clients -> \(occupied) slots held (capacity \(ClientRateTable.capacity), \(bytes / 1024) KiB at most)")
        #expect(occupied <= ClientRateTable.capacity && occupied > ClientRateTable.capacity / 2)
        let limited = Self.client(42)
        #expect(table.admit(rate, client: limited, now: 5_000) == nil && table.admit(rate, client: limited, now: 5_000) == nil)
        #expect(table.admit(rate, client: limited, now: 5_000) != nil, "still limited after the flood")
    }
}
