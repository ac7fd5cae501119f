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
}
