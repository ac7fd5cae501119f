/// Placeholder: route indices per host. Replaced by the real index (exact map, wildcards, catch-all).
struct HostIndex: Sendable {
    init() {}
}

/// Per-worker scratch for regex matching (PCRE2 match data). Not shared between threads.
public final class MatchScratch {
    public init() {}
}

extension RouteTable {
    /// Finds the route for a request.
    /// - Parameters:
    ///   - host: the Host header's host part (no port), any case.
    ///   - path: the normalized request path, without the query.
    /// - Returns: an index into `routes`, or -1 when nothing matches (404).
    public func match(host: UnsafeRawBufferPointer, path: UnsafeRawBufferPointer, scratch: MatchScratch) -> Int {
        let hostString = String(decoding: host, as: UTF8.self).lowercased()
        let pathString = String(decoding: path, as: UTF8.self)
        var best = -1
        var bestLength = -1
        for (index, route) in routes.enumerated() {
            if let routeHost = route.host, routeHost != hostString { continue }
            let matches: Bool
            switch route.match {
            case .exact: matches = pathString == route.path
            case .prefix: matches = pathString.hasPrefix(route.path)
            case .regex: matches = false
            }
            if matches && route.path.count > bestLength {
                best = index
                bestLength = route.path.count
            }
        }
        return best
    }
}
