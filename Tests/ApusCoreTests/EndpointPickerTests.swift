import ApusCore
import Testing

@Suite struct EndpointPickerTests {
    /// Runs `count` picks with fixed availability and load.
    static func picks(_ policy: BalancePolicy, count: Int, endpoints: Int, down: Set<Int> = [], active: [Int] = []) -> [Int?] {
        var picker = EndpointPicker(policy: policy)
        return (0..<count).map { _ in
            picker.pick(endpointCount: endpoints, isAvailable: { !down.contains($0) }, activeRequests: { active.isEmpty ? 0 : active[$0] })
        }
    }

    static let cases: [(name: String, policy: BalancePolicy, endpoints: Int, down: Set<Int>, active: [Int], expected: [Int?])] = [
        ("rr rotates", .roundRobin, 3, [], [], [0, 1, 2, 0, 1]),
        ("rr skips down", .roundRobin, 3, [1], [], [0, 2, 0, 2]),
        ("rr single", .roundRobin, 1, [], [], [0, 0]),
        ("rr all down", .roundRobin, 2, [0, 1], [], [nil, nil]),
        ("rr none", .roundRobin, 0, [], [], [nil]),
        ("lc fewest", .leastConnections, 3, [], [5, 1, 3], [1, 1, 1]),
        ("lc ties rotate", .leastConnections, 3, [], [2, 0, 0], [1, 2, 1, 2]),
        ("lc all equal rotate", .leastConnections, 3, [], [0, 0, 0], [0, 1, 2, 0]),
        ("lc skips down even if idle", .leastConnections, 3, [1], [4, 0, 9], [0, 0]),
        ("lc all down", .leastConnections, 2, [0, 1], [0, 0], [nil]),
    ]

    /// Round robin rotates and skips unavailable endpoints; least connections picks the least loaded, ties in rotation.
    @Test(arguments: cases)
    func policy(name: String, policy: BalancePolicy, endpoints: Int, down: Set<Int>, active: [Int], expected: [Int?]) {
        #expect(Self.picks(policy, count: expected.count, endpoints: endpoints, down: down, active: active) == expected, "\(name)")
    }

    /// The cursor survives availability changes and endpoint-count changes.
    @Test func cursorSurvives() {
        var picker = EndpointPicker(policy: .roundRobin)
        let up: (Int) -> Bool = { _ in true }
        let none: (Int) -> Int = { _ in 0 }
        #expect(picker.pick(endpointCount: 4, isAvailable: up, activeRequests: none) == 0)
        #expect(picker.pick(endpointCount: 4, isAvailable: up, activeRequests: none) == 1)
        #expect(picker.pick(endpointCount: 4, isAvailable: { $0 != 2 }, activeRequests: none) == 3)
        #expect(picker.pick(endpointCount: 4, isAvailable: up, activeRequests: none) == 0)
        #expect(picker.pick(endpointCount: 2, isAvailable: { _ in false }, activeRequests: none) == nil)
        #expect(picker.pick(endpointCount: 2, isAvailable: up, activeRequests: none) == 1)
        #expect(picker.pick(endpointCount: 2, isAvailable: up, activeRequests: none) == 0)
    }
}
