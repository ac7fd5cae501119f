/// The `grpc-timeout` request field (gRPC over HTTP/2): at most eight ASCII digits and a
/// unit, `H`ours, `M`inutes, `S`econds, `m`illiseconds, `u` (micro) or `n` (nanoseconds).
/// It bounds how long Apus waits for the upstream's answer.
public enum GRPCTimeout {
    /// The timeout in milliseconds, rounded up (a positive sub-millisecond timeout is 1);
    /// nil for a value that is not well formed.
    public static func milliseconds<Bytes: BidirectionalCollection<UInt8>>(_ value: Bytes) -> UInt64? {
        guard let unit = value.last, value.count >= 2, value.count <= 9 else { return nil }
        var amount: UInt64 = 0
        for byte in value.dropLast() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            amount = amount * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        // Eight digits at most: every product below fits in 64 bits.
        switch unit {
        case UInt8(ascii: "H"): return amount * 3_600_000
        case UInt8(ascii: "M"): return amount * 60_000
        case UInt8(ascii: "S"): return amount * 1_000
        case UInt8(ascii: "m"): return amount
        case UInt8(ascii: "u"): return (amount + 999) / 1_000
        case UInt8(ascii: "n"): return (amount + 999_999) / 1_000_000
        default: return nil
        }
    }
}
