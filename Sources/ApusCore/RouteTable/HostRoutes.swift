/// The path rules of one host entry (an exact host, a wildcard, or the catch-all).
///
/// Thread rule: immutable, shared by all workers through the `RouteTable`.
final class HostRoutes: Sendable {
    /// A regex rule and the route it selects, in declared order.
    struct RegexRoute: Sendable {
        var pattern: CompiledPattern
        var route: Int
    }

    /// `example.test`, `*.example.test`, or nil for the catch-all.
    let host: String?
    let exactPaths: ByteKeyTable
    let regexes: [RegexRoute]
    let prefixes: PrefixTable
    /// Route indices in the order `match` considers them (for `/routes`).
    let precedence: [Int]

    init(host: String?, exact: [(path: [UInt8], route: Int)], regexes: [RegexRoute], prefixes: [(prefix: [UInt8], route: Int)]) {
        self.host = host
        self.exactPaths = ByteKeyTable(exact.map { (key: $0.path, value: $0.route) }, foldsCase: false)
        self.regexes = regexes
        self.prefixes = PrefixTable(prefixes)
        // Longer prefixes first; equal lengths cannot both match one path, so any order.
        let prefixOrder = prefixes.sorted { $0.prefix.count > $1.prefix.count }.map(\.route)
        self.precedence = exact.map(\.route) + regexes.map(\.route) + prefixOrder
    }

    /// See "Precedence" in RouteTable+Match.swift.
    func match(_ path: UnsafeRawBufferPointer, scratch: MatchScratch) -> Int {
        let exact = exactPaths.value(for: path)
        if exact >= 0 { return exact }
        // Index loops rather than `for in`/`firstIndex`: unspecialized iterators box their
        // elements (heaptrack showed a malloc per regex per request in debug builds).
        let regexHit = regexes.withUnsafeBufferPointer { regexes in
            var i = 0
            while i < regexes.count {
                if scratch.matches(regexes[i].pattern, path) { return regexes[i].route }
                i += 1
            }
            return -1
        }
        if regexHit >= 0 { return regexHit }
        return prefixes.longestMatch(path)
    }
}
