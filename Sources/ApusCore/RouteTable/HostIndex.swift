/// Finds the host entry for a request's Host: exact name, then one-label wildcard, then
/// the catch-all.
///
/// Lookups run on raw bytes, ASCII case-insensitively, with no allocation.
/// Thread rule: immutable, shared by all workers through the `RouteTable`.
struct HostIndex: Sendable {
    /// Exact hosts first, then wildcards, then the catch-all (the order `/routes` shows).
    let entries: [HostRoutes]
    private let exact: ByteKeyTable
    /// Keyed by the suffix after `*.`.
    private let wildcards: ByteKeyTable
    private let catchAll: Int

    init(entries: [HostRoutes]) {
        var exact: [(key: [UInt8], value: Int)] = []
        var wildcards: [(key: [UInt8], value: Int)] = []
        var catchAll = -1
        for (index, entry) in entries.enumerated() {
            guard let host = entry.host else { catchAll = index; continue }
            if host.hasPrefix("*.") {
                wildcards.append((Array(host.utf8.dropFirst(2)), index))
            } else {
                exact.append((Array(host.utf8), index))
            }
        }
        self.entries = entries
        self.exact = ByteKeyTable(exact, foldsCase: true)
        self.wildcards = ByteKeyTable(wildcards, foldsCase: true)
        self.catchAll = catchAll
    }

    /// Index into `entries` for `host` (no port, any case, one trailing dot allowed), or -1.
    func entryIndex(for host: UnsafeRawBufferPointer) -> Int {
        var name = host
        if name.count > 1 && name[name.count - 1] == UInt8(ascii: ".") {
            name = UnsafeRawBufferPointer(rebasing: name[0..<(name.count - 1)])
        }
        if !name.isEmpty {
            let exactHit = exact.value(for: name)
            if exactHit >= 0 { return exactHit }
            if !wildcards.isEmpty {
                var dot = 0
                while dot < name.count && name[dot] != UInt8(ascii: ".") { dot += 1 }
                if dot > 0 && dot < name.count {
                    let wildcardHit = wildcards.value(for: UnsafeRawBufferPointer(rebasing: name[(dot + 1)...]))
                    if wildcardHit >= 0 { return wildcardHit }
                }
            }
        }
        return catchAll
    }
}
