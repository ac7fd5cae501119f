import ApusCore

/// Which upstream a request of a route with a canary goes to (see `CanaryConfig`).
extension Worker {
    /// Proxies to the main upstream or the canary's. Out of line, so that routes without a
    /// canary keep `dispatch` inlined.
    @inline(never)
    func startProxy(_ connection: DownstreamConnection, _ exchange: Exchange, sharing canary: Unmanaged<CompiledCanary>, main: Int, route: Int,
                    raw: UnsafeRawBufferPointer, path: UnsafeRawBufferPointer, host: UnsafeRawBufferPointer) {
        let chosen = canary._withUnsafeGuaranteedRef { upstreamSharing($0, main: main, route: route, exchange, raw) }
        exchange.viaCanary = chosen != main
        startProxy(connection, exchange, upstream: chosen, path: path, host: host)
    }

    /// The header field decides, then the cookie, then the weighted count. A canary
    /// upstream without endpoints takes nothing (ingress-nginx falls back the same way).
    func upstreamSharing(_ canary: CompiledCanary, main: Int, route: Int, _ exchange: Exchange, _ raw: UnsafeRawBufferPointer) -> Int {
        guard canary.upstream < upstreams.count, !upstreams[canary.upstream].endpoints.isEmpty else { return main }
        var verdict = CompiledCanary.Verdict.undecided
        if let name = canary.header,
           let value = exchange.head.headers.withUnsafeBufferPointer({ RequestFieldLookup.value(named: name, in: $0, raw) }) {
            verdict = canary.verdict(ofHeader: value, scratch: fieldScratch)
        }
        if verdict == .undecided, let name = canary.cookie,
           let value = exchange.head.headers.withUnsafeBufferPointer({ RequestFieldLookup.cookie(named: name, in: $0, raw) }) {
            verdict = canary.verdict(ofCookie: value)
        }
        switch verdict {
        case .canary: return canary.upstream
        case .main: return main
        case .undecided: break
        }
        guard route < canaryCounts.count else { return main }
        canaryCounts[route] &+= 1
        return canary.takesWeighted(canaryCounts[route]) ? canary.upstream : main
    }

    /// Gives the new table's routes the weighted counts of the old table's routes of the
    /// same label and match kind, so that a swap neither resets nor skews a split.
    func carryCanaryCounts() {
        var previous: [String: UInt64] = [:]
        for (key, count) in zip(canaryCountKeys, canaryCounts) where count != 0 { previous[key] = count }
        // The label and the match kind: an Exact and a Prefix rule of one path share a label.
        canaryCountKeys = table.routes.map { "\($0.match.rawValue) \($0.label)" }
        canaryCounts = zip(table.routes, canaryCountKeys).map { route, key in route.canary == nil ? 0 : previous[key] ?? 0 }
    }
}
