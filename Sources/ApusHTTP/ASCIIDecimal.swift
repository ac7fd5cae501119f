/// Decimal numbers in header values, read without a trap on any input.
enum ASCIIDecimal {
    /// The value of `bytes`, all ASCII digits and at most 18 of them (so it cannot
    /// overflow); nil when empty, longer, or another byte is among them.
    static func fixedWidth(_ bytes: UnsafeBufferPointer<UInt8>.SubSequence) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard HTTPBytes.isDigit(byte) else { return nil }
            value = value &* 10 &+ Int(byte &- 48)
        }
        return value
    }

    /// The value of 1*DIGIT, any length; past `Int.max` it counts as `Int.max`.
    static func saturating(_ bytes: UnsafeBufferPointer<UInt8>.SubSequence) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard HTTPBytes.isDigit(byte) else { return nil }
            let (times10, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (sum, carried) = times10.addingReportingOverflow(Int(byte &- 48))
            value = overflowed || carried ? Int.max : sum
        }
        return value
    }
}
