/// Turns a request path into the form routes and static files are matched against.
///
/// Decodes percent-encoded bytes, removes dot segments (RFC 3986 §5.2.4), merges
/// duplicate slashes, and stops at the query. Rejects `%00`, `%2F` (an encoded slash
/// would change the path's elements), malformed escapes, and paths that do not start
/// with `/`.
public enum PathNormalizer {
    /// - Parameters:
    ///   - path: the path part of the target, query included or not.
    ///   - output: scratch space at least `path.count` bytes long.
    /// - Returns: the normalized length written to `output`, or nil when the path is invalid.
    public static func normalize(_ path: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int? {
        fatalError("PathNormalizer.normalize: not implemented yet")
    }
}
