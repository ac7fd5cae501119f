import ApusCore
import Foundation
import Testing

/// The consistent-hash ring behind `hash_by` and balanced affinity: keys move only when
/// their arc changes owner, and the remap fraction of adding one endpoint is about 1/(n+1).
@Suite struct HashRingTests {
    static func members(_ count: Int, port: Int = 8080) -> [String] {
        (0..<count).map { "10.0.\($0 / 250).\($0 % 250 + 1):\(port)" }
    }

    static let keys: [UInt64] = (0..<100_000).map { KeyHasher.hash("user-\($0)".utf8) }

    /// Adding one member to n moves about 1/(n+1) of 100,000 keys, each to the new member;
    /// removing it again restores every key. The fractions are printed for the note.
    @Test(arguments: [2, 3, 5, 10, 50])
    func addingOneMemberMovesItsShareOnly(count: Int) throws {
        let before = HashRing(identities: Self.members(count))
        let after = HashRing(identities: Self.members(count + 1))
        var moved = 0
        for key in Self.keys {
            let old = try #require(before.owner(of: key))
            let new = try #require(after.owner(of: key))
            if old != new {
                moved += 1
                #expect(new == count, "a key moves only to the new member")
            }
        }
        let fraction = Double(moved) / Double(Self.keys.count)
        let ideal = 1 / Double(count + 1)
        print("hash ring: \(count) -> \(count + 1) members remaps \(String(format: "%.2f", fraction * 100)) % of keys (ideal \(String(format: "%.2f", ideal * 100)) %)")
        #expect(abs(fraction - ideal) < ideal * 0.35, "remapped \(fraction), ideal \(ideal)")
    }

    /// Members are placed by identity, not by position: the same set in another order maps
    /// every key the same way, and removing a member from the middle moves only its keys.
    @Test func placementFollowsIdentityNotOrder() throws {
        let names = Self.members(6)
        let ring = HashRing(identities: names)
        let shuffled = [3, 0, 5, 1, 4, 2]
        let other = HashRing(identities: shuffled.map { names[$0] })
        let without = HashRing(identities: names.enumerated().filter { $0.offset != 2 }.map(\.element))
        for key in Self.keys.prefix(20_000) {
            let owner = try #require(ring.owner(of: key))
            #expect(shuffled[try #require(other.owner(of: key))] == owner)
            let remaining = try #require(without.owner(of: key))
            if owner != 2 { #expect(remaining == (owner < 2 ? owner : owner - 1), "only the removed member's keys move") }
        }
    }

    /// With 160 points each, no member of ten holds more than 1.25 times the mean share.
    @Test func sharesAreEven() throws {
        let ring = HashRing(identities: Self.members(10))
        var counts = [Int](repeating: 0, count: 10)
        for key in Self.keys { counts[try #require(ring.owner(of: key))] += 1 }
        let mean = Double(Self.keys.count) / 10
        print("hash ring: shares of 10 members over 100,000 keys: min \(counts.min()!), max \(counts.max()!), mean \(Int(mean))")
        #expect(Double(counts.max()!) < mean * 1.25 && Double(counts.min()!) > mean * 0.75, "\(counts)")
    }

    /// Walking the ring from a key yields every member once, the key's owner first.
    @Test func walkVisitsEachMemberFromTheOwner() throws {
        let ring = HashRing(identities: Self.members(5))
        let position = try #require(ring.position(of: 12_345))
        var visited: [Int] = []
        #expect(ring.firstOwner(from: position) { member in
            if !visited.contains(member) { visited.append(member) }
            return false
        } == nil)
        #expect(visited.first == ring.owner(of: 12_345) && Set(visited) == Set(0..<5))
        #expect(HashRing(identities: []).owner(of: 1) == nil)
        #expect(ring.position(of: .max) == 0 || ring.points.last == .max, "past the last point wraps to the first")
    }

    /// The hash is fixed: workers, restarts and controller replicas must agree.
    @Test func keyHashIsStable() {
        #expect(KeyHasher.hash("".utf8) == KeyHasher().finish())
        #expect(KeyHasher.hash("10.0.0.1:8080".utf8) == KeyHasher.hash(Array("10.0.0.1:8080".utf8)))
        #expect(KeyHasher.hash("user-1".utf8) != KeyHasher.hash("user-2".utf8))
        #expect(CompiledKeyedBalancing.token(upstream: "app", endpoint: "10.0.0.1:80") != CompiledKeyedBalancing.token(upstream: "api", endpoint: "10.0.0.1:80"),
                "tokens differ per upstream")
    }

    @Test func cookieValues() {
        var out: [UInt8] = []
        AffinityCookieValue.write(0x0123_4567_89ab_cdef, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "0123456789abcdef")
        func parse(_ text: String) -> UInt64? { Array(text.utf8).withUnsafeBytes { AffinityCookieValue.parse($0) } }
        #expect(parse("0123456789abcdef") == 0x0123_4567_89ab_cdef)
        #expect(parse("ffffffffffffffff") == .max)
        for bad in ["", "0123456789ABCDEF", "0123456789abcde", "0123456789abcdef0", "0123456789abcdeg", " 123456789abcdef"] {
            #expect(parse(bad) == nil, "\(bad)")
        }
        // Every byte at every position: accepted exactly when it is 0-9 or a-f (the parser
        // checks eight at a time).
        let valid = Set("0123456789abcdef".utf8)
        for position in 0..<16 {
            for byte in UInt8.min...UInt8.max {
                var text = Array("fedcba9876543210".utf8)
                text[position] = byte
                let parsed = text.withUnsafeBytes { AffinityCookieValue.parse($0) }
                #expect((parsed != nil) == valid.contains(byte), "byte \(byte) at \(position)")
                if let parsed {
                    var out: [UInt8] = []
                    AffinityCookieValue.write(parsed, into: &out)
                    #expect(out == text)
                }
            }
        }
    }

    @Test func sameSiteNoneIncompatibleBrowsers() {
        func rejects(_ agent: String) -> Bool { SameSiteCompatibility.rejectsNone(userAgent: agent.utf8) }
        #expect(rejects("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/62.0.3202.94 Safari/537.36"))
        #expect(rejects("Mozilla/5.0 (iPhone; CPU iPhone OS 12_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.0 Mobile/15E148 Safari/604.1"))
        #expect(rejects("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1 Safari/605.1.15"))
        #expect(!rejects("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"))
        #expect(!rejects("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"))
        #expect(!rejects("curl/8.5.0") && !rejects(""))
    }
}
