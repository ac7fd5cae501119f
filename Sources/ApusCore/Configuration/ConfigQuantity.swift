/// Parses the duration and size notations of the config file (`250ms`, `5s`, `16k`).
///
/// Pure string functions, shared by the YAML reader and anyone else who accepts the same
/// notation (the Ingress annotations' sizes). Only non-negative whole numbers are
/// accepted: `1.5s` or `-1s` are rejected rather than rounded, so that a typo never
/// becomes a surprise.
public enum ConfigQuantity {
    /// Milliseconds in `text`: `250ms`, `5s`, `2m`, `1h`, or a bare integer meaning seconds.
    /// Returns nil for anything else, and on overflow.
    public static func durationMilliseconds(_ text: String) -> Int? {
        let units: [(suffix: String, factor: Int)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
        return scaled(text, units: units, bareFactor: 1_000).flatMap { Int(exactly: $0) }
    }

    /// Bytes in `text`: a bare integer, or one with a binary `k`, `m` or `g` suffix
    /// (either case; `16k` is 16384, as in nginx). Returns nil for anything else, and on overflow.
    public static func sizeBytes(_ text: String) -> Int64? {
        let units: [(suffix: String, factor: Int)] = [
            ("k", 1 << 10), ("K", 1 << 10), ("m", 1 << 20), ("M", 1 << 20), ("g", 1 << 30), ("G", 1 << 30),
        ]
        return scaled(text, units: units, bareFactor: 1).flatMap { Int64(exactly: $0) }
    }

    /// The digits of `text` times the factor of its suffix; the longest matching suffix wins,
    /// which is why `ms` is listed before `m` and `s` is tried only after `ms` failed.
    private static func scaled(_ text: String, units: [(suffix: String, factor: Int)], bareFactor: Int) -> Int? {
        var digits = Substring(text)
        var factor = bareFactor
        let longestFirst = units.sorted { $0.suffix.count > $1.suffix.count }
        for unit in longestFirst where digits.hasSuffix(unit.suffix) {
            digits = digits.dropLast(unit.suffix.count)
            factor = unit.factor
            break
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Int(digits)
        else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? nil : product
    }
}
