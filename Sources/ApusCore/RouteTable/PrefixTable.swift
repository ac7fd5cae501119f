/// Prefix path rules of one host, answering "longest prefix by path elements".
///
/// Rules are stored without trailing slashes (`/foo/` → `/foo`, `/` → empty), keyed by
/// bytes. A lookup walks the request path once, hashing as it goes, and probes the table
/// only at element boundaries (before a `/` and at the end), so `/foo` can match `/foo`,
/// `/foo/` and `/foo/bar` but never `/foobar`. The last hit is the longest.
struct PrefixTable: Sendable {
    private let table: ByteKeyTable

    /// - Parameter rules: normalized prefixes (see `normalize`) and their route indices.
    init(_ rules: [(prefix: [UInt8], route: Int)]) {
        table = ByteKeyTable(rules.map { (key: $0.prefix, value: $0.route) }, foldsCase: false)
    }

    var isEmpty: Bool { table.isEmpty }

    /// Drops trailing slashes: the rule `/foo/` means the same elements as `/foo`.
    static func normalize(_ path: String) -> [UInt8] {
        var bytes = Array(path.utf8)
        while bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        return bytes
    }

    /// The route of the longest matching prefix, or -1.
    func longestMatch(_ path: UnsafeRawBufferPointer) -> Int {
        if table.isEmpty { return -1 }
        let limit = min(path.count, table.maxKeyLength)
        var best = -1
        var hash = ByteKeyTable.initialHash
        var length = 0
        while true {
            if length == path.count || path[length] == UInt8(ascii: "/") {
                let hit = table.value(forHash: hash, key: UnsafeRawBufferPointer(rebasing: path[0..<length]))
                if hit >= 0 { best = hit }
            }
            if length >= limit { return best }
            hash = ByteKeyTable.step(hash, path[length], foldsCase: false)
            length += 1
        }
    }
}
