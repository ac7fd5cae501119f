/// What a static-file response does with a `Range` field (RFC 9110 §14.2) for a
/// representation of known size. One range is served; anything this server does not serve
/// (several ranges, another unit, bad syntax) is ignored, which RFC 9110 allows: the full
/// representation goes out with 200.
public enum ByteRangeRequest: Equatable, Sendable {
    case whole
    /// Bytes `first...last` of the representation, both inside it.
    case partial(first: Int, last: Int)
    /// 416: the range starts at or beyond the end, or asks for the last zero bytes.
    case unsatisfiable

    /// `value` is the Range field's value; `size` the representation's length in bytes.
    public static func parse(_ value: String, size: Int) -> ByteRangeRequest {
        var value = value
        return value.withUTF8 { parse($0, size: size) }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, size: Int) -> ByteRangeRequest {
        // Range units compare without case (RFC 9110 §14.1).
        guard let p = bytes.baseAddress, bytes.count > 6, HTTPBytes.equalsLowercase(p, 0, 6, "bytes="),
              let dash = bytes[6...].firstIndex(of: UInt8(ascii: "-"))
        else { return .whole }
        let firstText = bytes[6..<dash]
        let lastText = bytes[(dash + 1)...]
        if firstText.isEmpty {
            // `bytes=-N`: the last N bytes.
            guard let suffix = ASCIIDecimal.saturating(lastText) else { return .whole }
            if suffix == 0 || size == 0 { return .unsatisfiable }
            return .partial(first: size - min(suffix, size), last: size - 1)
        }
        guard let first = ASCIIDecimal.saturating(firstText) else { return .whole }
        if lastText.isEmpty {
            return first < size ? .partial(first: first, last: size - 1) : .unsatisfiable
        }
        guard let last = ASCIIDecimal.saturating(lastText), last >= first else { return .whole }
        if first >= size { return .unsatisfiable }
        return .partial(first: first, last: min(last, size - 1))
    }
}
