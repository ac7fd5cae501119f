/// Turns a request path into the form routes and static files are matched against.
///
/// Decodes percent-encoded bytes, removes dot segments (RFC 3986 §5.2.4, encoded dots
/// included), merges duplicate slashes, keeps a trailing slash, and stops at the query
/// (`?`) or a fragment (`#`). Rejects `%00`, `%2F` (an encoded slash would change the
/// path's elements), raw control bytes and spaces, malformed escapes, paths that do not
/// start with `/`, and `..` that
/// would climb above the root (rather than clamping it, as nginx answers 400 too).
public enum PathNormalizer {
    /// - Parameters:
    ///   - path: the path part of the target, query included or not.
    ///   - output: scratch space at least `path.count` bytes long.
    /// - Returns: the normalized length written to `output`, or nil when the path is invalid.
    public static func normalize(_ path: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int? {
        guard let p = path.baseAddress?.assumingMemoryBound(to: UInt8.self),
              let o = output.baseAddress?.assumingMemoryBound(to: UInt8.self),
              path.count > 0, output.count >= path.count,
              p[0] == 47 else { return nil }
        let count = path.count
        o[0] = 47
        var written = 1
        var pos = 1
        var segmentStart = 1
        while true {
            // One byte of the segment, decoded; nil at the end of the path.
            var byte: UInt8? = nil
            var isSlash = false
            if pos < count {
                let b = p[pos]
                if b == 63 || b == 35 {
                    pos = count
                } else if b == 37 {
                    guard pos &+ 2 < count,
                          let hi = HTTPBytes.hexValue(p[pos &+ 1]),
                          let lo = HTTPBytes.hexValue(p[pos &+ 2])
                    else { return nil }
                    let decoded = hi << 4 | lo
                    if decoded == 0 || decoded == 47 { return nil }
                    byte = decoded
                    pos &+= 3
                } else {
                    // Raw controls and spaces never reach here from the request parser;
                    // refuse them from any other caller too (a raw NUL was a fuzz finding).
                    if b <= 0x20 || b == 0x7F { return nil }
                    isSlash = b == 47
                    byte = b
                    pos &+= 1
                }
            }
            if let b = byte, !isSlash {
                o[written] = b
                written &+= 1
                continue
            }
            // A segment ended (at a slash or at the end of the path).
            let length = written &- segmentStart
            let dot: UInt8 = 46
            if length == 1 && o[segmentStart] == dot {
                written = segmentStart
            } else if length == 2 && o[segmentStart] == dot
                        && o[segmentStart &+ 1] == dot {
                if segmentStart == 1 { return nil }
                // Drop the previous segment: back to just after the slash before it.
                var back = segmentStart &- 2
                while o[back] != 47 { back &-= 1 }
                written = back &+ 1
            } else if length > 0 && isSlash {
                o[written] = 47
                written &+= 1
            }
            segmentStart = written
            if !isSlash { return written }
        }
    }
}
