/// Standard base64 (RFC 4648 §4) decoding, strict: padding required to a multiple of four,
/// no whitespace, no bits left over. For `Authorization: Basic` credentials and `{SHA}`
/// hashes; Foundation stays out of ApusCore.
public enum Base64 {
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(index)
        }
        return table
    }()

    public static func decode<Bytes: Collection<UInt8>>(_ text: Bytes) -> [UInt8]? {
        let input = Array(text)
        guard input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            var quad: [UInt8] = [0, 0, 0, 0]
            var padding = 0
            for k in 0..<4 {
                let byte = input[index + k]
                if byte == UInt8(ascii: "=") && isLast && k >= 2 {
                    padding += 1
                    continue
                }
                let value = values[Int(byte)]
                // A digit after padding, or a character outside the alphabet.
                guard value != 0xFF, padding == 0 else { return nil }
                quad[k] = value
            }
            let bits = UInt32(quad[0]) << 18 | UInt32(quad[1]) << 12 | UInt32(quad[2]) << 6 | UInt32(quad[3])
            out.append(UInt8(bits >> 16))
            if padding < 2 { out.append(UInt8(bits >> 8 & 0xFF)) }
            if padding < 1 { out.append(UInt8(bits & 0xFF)) }
            // Bits the padding says are unused must be zero (one spelling per value).
            if padding == 1 && quad[2] & 0x03 != 0 { return nil }
            if padding == 2 && quad[1] & 0x0F != 0 { return nil }
            index += 4
        }
        return out
    }
}
