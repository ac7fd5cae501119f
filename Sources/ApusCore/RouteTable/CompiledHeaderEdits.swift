import ApusHTTP

/// A route's header rules for one head, precomputed as the bytes a serializer needs: the
/// names of received fields to leave out, and the lines to write after the kept ones.
///
/// A class so a worker holds one reference per request (one retain) instead of copying two
/// arrays; routes without rules have none and pay nothing. Immutable, shared by workers.
/// `addedLines` may hold a secret (a value read from a file): never log or render it.
public final class CompiledHeaderEdits: Sendable {
    /// Lowercase field names, each preceded by its length in one byte (`\u{0D}authorization
    /// \u{06}cookie`): every `set` and `remove` name. Lengths let a reader skip a name
    /// without scanning it, and compare lengths before bytes.
    public let removedNames: [UInt8]
    /// Complete `Name: value\r\n` lines: every `set` and `add` entry, in the order written.
    public let addedLines: [UInt8]
    /// What the serializers' filter needs to know of `removedNames`, worked out once here
    /// rather than per request.
    public let summary: HeaderEdits.Summary

    public init(removedNames: [UInt8], addedLines: [UInt8]) {
        self.removedNames = removedNames
        self.addedLines = addedLines
        summary = removedNames.withUnsafeBytes { HeaderEdits.summary(of: $0) }
    }

    /// Whether a field called `name` (any case) is left out. For heads Apus builds itself;
    /// proxied heads go through ApusHTTP's `HeaderEdits`, which compares bytes in place.
    public func removes(_ name: String) -> Bool {
        // Names are ASCII tokens: fold case byte by byte rather than build a lowercased copy.
        let wanted = name.utf8
        var i = 0
        while i < removedNames.count {
            let length = Int(removedNames[i])
            if length == wanted.count
                && zip(removedNames[(i + 1)..<(i + 1 + length)], wanted).allSatisfy({ $0 == ByteKeyTable.lowercase($1) }) {
                return true
            }
            i += 1 + length
        }
        return false
    }
}

/// Where a plain-HTTP request of the route is sent instead.
public struct CompiledHTTPSRedirect: Sendable, Equatable {
    /// 301, 302, 307 or 308.
    public var status: Int
    /// The port written in the Location, or nil for 443 (left out).
    public var port: Int?
    /// ingress-nginx's default without `preserve-trailing-slash`: a target ending in `/`
    /// loses that slash in the Location.
    public var stripsTrailingSlash: Bool

    public init(status: Int, port: Int?, stripsTrailingSlash: Bool = false) {
        self.status = status
        self.port = port
        self.stripsTrailingSlash = stripsTrailingSlash
    }
}
