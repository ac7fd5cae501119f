extension RouteTableCompiler {
    /// Groups rules by host into the matcher's index. `rules[i]` is route i.
    static func buildHostIndex(_ rules: [CompiledRule]) -> HostIndex {
        var order: [HostPattern?] = []
        var grouped: [HostPattern?: [Int]] = [:]
        for (index, rule) in rules.enumerated() {
            if grouped[rule.host] == nil { order.append(rule.host) }
            grouped[rule.host, default: []].append(index)
        }
        // Lookup order: exact hosts, then wildcards, then the catch-all; declared order within.
        func rank(_ host: HostPattern?) -> Int {
            switch host {
            case .exact?: return 0
            case .wildcard?: return 1
            case nil: return 2
            }
        }
        let sorted = order.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
        let entries = sorted.map { host in hostRoutes(host, indices: grouped[host] ?? [], rules: rules) }
        return HostIndex(entries: entries)
    }

    private static func hostRoutes(_ host: HostPattern?, indices: [Int], rules: [CompiledRule]) -> HostRoutes {
        var exact: [(path: [UInt8], route: Int)] = []
        var regexes: [HostRoutes.RegexRoute] = []
        var prefixes: [(prefix: [UInt8], route: Int)] = []
        for index in indices {
            let rule = rules[index]
            switch rule.route.match {
            case .exact: exact.append((rule.key, index))
            case .prefix: prefixes.append((rule.key, index))
            case .regex: if let pattern = rule.pattern { regexes.append(.init(pattern: pattern, route: index)) }
            }
        }
        return HostRoutes(host: host?.text, exact: exact, regexes: regexes, prefixes: prefixes)
    }
}
