@testable import ApusHTTP2
import Testing

@Suite struct HTTP2StreamMapTests {
    /// Random inserts, updates and removals agree with a Dictionary at every step (removal
    /// shifts runs back, growth rehashes).
    @Test func agreesWithADictionary() {
        var map = HTTP2StreamMap<Int>()
        var reference: [Int32: Int] = [:]
        var generator = SystemRandomNumberGenerator()
        for step in 0..<20_000 {
            // Odd ids in a small range, so runs collide and removals hit the middle of runs.
            let key = Int32.random(in: 0..<300, using: &generator) * 2 + 1
            if Bool.random(using: &generator) {
                map[key] = step
                reference[key] = step
            } else {
                #expect(map.removeValue(forKey: key) == reference.removeValue(forKey: key))
            }
            #expect(map.count == reference.count)
            if step % 97 == 0 {
                for probe in Int32(0)..<600 { #expect(map[probe] == reference[probe], "step \(step), key \(probe)") }
            }
        }
        #expect(map.allValues.sorted() == reference.values.sorted())
        #expect(map.modify(reference.keys.first ?? 1) { $0 = -1 } == !reference.isEmpty)
    }

    /// An empty map holds no storage, and one that empties gives it back on request.
    @Test func emptyStorageIsReleased() {
        var map = HTTP2StreamMap<Int>()
        #expect(map[1] == nil && map.removeValue(forKey: 3) == nil && map.allValues.isEmpty && map.keys.isEmpty)
        for id in stride(from: Int32(1), through: 41, by: 2) { map[id] = Int(id) }
        map.releaseStorage()
        #expect(map.count == 21 && map[41] == 41)
        for id in stride(from: Int32(1), through: 41, by: 2) { map[id] = nil }
        map.releaseStorage()
        #expect(map.keys.isEmpty && map.isEmpty && map[1] == nil)
        map[5] = 5
        #expect(map[5] == 5 && map.count == 1)
    }
}
