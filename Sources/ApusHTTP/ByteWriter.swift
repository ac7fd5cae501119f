/// Appending bytes, literals and numbers to an output array without building Strings.
extension Array where Element == UInt8 {
    @inlinable @inline(__always)
    mutating func appendLiteral(_ s: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    @inlinable @inline(__always)
    mutating func appendBytes(_ p: UnsafePointer<UInt8>, _ start: Int32, _ end: Int32) {
        guard end > start else { return }
        append(contentsOf: UnsafeBufferPointer(start: p + Int(start), count: Int(end &- start)))
    }

    /// Decimal digits of a non-negative number.
    @inlinable
    mutating func appendDecimal(_ value: Int64) {
        var v = UInt64(clamping: value)
        var digits = 1
        var probe = v
        while probe >= 10 { probe /= 10; digits &+= 1 }
        let start = count
        for _ in 0..<digits { append(48) }
        var i = start &+ digits &- 1
        repeat {
            self[i] = UInt8(truncatingIfNeeded: v % 10) &+ 48
            v /= 10
            i &-= 1
        } while v > 0
    }

    /// 16 lowercase hex digits.
    @inlinable
    mutating func appendHex16(_ value: UInt64) {
        var shift: UInt64 = 60
        while true {
            let nibble = UInt8(truncatingIfNeeded: (value >> shift) & 0xF)
            append(nibble < 10 ? nibble &+ 48 : nibble &+ 87)
            if shift == 0 { break }
            shift &-= 4
        }
    }
}
