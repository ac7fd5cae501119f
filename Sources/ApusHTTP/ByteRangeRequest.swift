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
        let bytes = Array(value.utf8)
        let unit = Array("bytes=".utf8)
        guard bytes.count > unit.count, bytes[..<unit.count].elementsEqual(unit),
              let dash = bytes[unit.count...].firstIndex(of: UInt8(ascii: "-"))
        else { return .whole }
        let firstText = bytes[unit.count..<dash]
        let lastText = bytes[(dash + 1)...]
        if firstText.isEmpty {
            // `bytes=-N`: the last N bytes.
            guard let suffix = position(lastText) else { return .whole }
            if suffix == 0 || size == 0 { return .unsatisfiable }
            return .partial(first: size - min(suffix, size), last: size - 1)
        }
        guard let first = position(firstText) else { return .whole }
        if lastText.isEmpty {
            return first < size ? .partial(first: first, last: size - 1) : .unsatisfiable
        }
        guard let last = position(lastText), last >= first else { return .whole }
        if first >= size { return .unsatisfiable }
        return .partial(first: first, last: min(last, size - 1))
    }

    /// 1*DIGIT as a byte position; a number past `Int.max` counts as `Int.max`, which is
    /// beyond every file.
    private static func position(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            value = overflow1 || overflow2 ? Int.max : sum
        }
        return value
    }
}
