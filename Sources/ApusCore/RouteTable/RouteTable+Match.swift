// Precedence (decided here, documented for users in `/routes` order):
//
//   1. Host, no fallthrough. The request's host picks ONE entry: an exact host
//      (ASCII case-insensitive, one trailing dot ignored), else a wildcard `*.suffix`
//      covering exactly one label (`a.example.test` yes, `a.b.example.test` no), else
//      the catch-all (rules without a host). Like nginx server blocks, once an entry is
//      chosen only its paths are considered: no path match there means 404 (-1), even if
//      the catch-all would have matched.
//   2. Inside the entry:
//        a. an Exact rule equal to the whole path wins;
//        b. else Regex rules, in declared order, first match wins;
//        c. else the longest matching Prefix, by path elements (`/foo` matches `/foo`,
//           `/foo/`, `/foo/bar`, not `/foobar`; `/` matches everything).
//      This is nginx's order for `location =`, `~`, and plain prefixes (without `^~`).
//      Regexes go before prefixes so a migrated ingress-nginx `use-regex` Ingress
//      behaves as it did; an Exact always being the longest match also keeps the
//      Kubernetes rule "at equal length Exact beats Prefix".

extension RouteTable {
    /// Finds the route for a request. Allocates nothing; safe to call from any worker
    /// concurrently as long as each passes its own `scratch`.
    /// - Parameters:
    ///   - host: the Host header's host part (no port), any case.
    ///   - path: the normalized request path, without the query.
    ///   - scratch: the calling worker's; after a regex match it holds the captures.
    /// - Returns: an index into `routes`, or -1 when nothing matches (404).
    public func match(host: UnsafeRawBufferPointer, path: UnsafeRawBufferPointer, scratch: MatchScratch) -> Int {
        scratch.reset()
        let entry = hosts.entryIndex(for: host)
        if entry < 0 { return -1 }
        return hosts.entries.withUnsafeBufferPointer { $0[entry].match(path, scratch: scratch) }
    }
}
