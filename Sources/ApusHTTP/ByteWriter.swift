/// Writes bytes, literals and numbers through a raw pointer into storage the caller has
/// sized; used to serialise a whole head in one pass instead of one `Array.append` (with
/// its uniqueness and capacity checks) per piece.
///
/// The caller guarantees room: `HeadSerializer` computes an upper bound of every head it
/// writes before writing it.
@usableFromInline
struct ByteWriter {
    @usableFromInline var cursor: UnsafeMutablePointer<UInt8>
    #if DEBUG
    @usableFromInline let limit: UnsafeMutablePointer<UInt8>
    #endif

    @inlinable
    init(_ start: UnsafeMutablePointer<UInt8>, capacity: Int) {
        cursor = start
        #if DEBUG
        limit = start + capacity
        #endif
    }

    @inlinable @inline(__always)
    func checkRoom(_ n: Int) {
        #if DEBUG
        precondition(limit - cursor >= n, "ByteWriter: head larger than its computed bound")
        #endif
    }

    @inlinable @inline(__always)
    mutating func byte(_ b: UInt8) {
        checkRoom(1)
        cursor.initialize(to: b)
        cursor += 1
    }

    @inlinable @inline(__always)
    mutating func literal(_ s: StaticString) {
        let n = s.utf8CodeUnitCount
        checkRoom(n)
        cursor.initialize(from: s.utf8Start, count: n)
        cursor += n
    }

    @inlinable @inline(__always)
    mutating func bytes(_ p: UnsafePointer<UInt8>, _ start: Int32, _ end: Int32) {
        guard end > start else { return }
        let n = Int(end &- start)
        checkRoom(n)
        Self.copy(p + Int(start), to: cursor, n)
        cursor += n
    }

    /// Copies `n > 0` bytes; up to 16 with two (possibly overlapping) loads and stores
    /// instead of a call to `memcpy`, which costs more than the copy for a header name
    /// or a short value.
    @inlinable @inline(__always)
    static func copy(_ from: UnsafePointer<UInt8>, to: UnsafeMutablePointer<UInt8>, _ n: Int) {
        let s = UnsafeRawPointer(from)
        let d = UnsafeMutableRawPointer(to)
        if n > 16 {
            d.copyMemory(from: s, byteCount: n)
        } else if n >= 8 {
            let head = s.loadUnaligned(as: UInt64.self)
            let tail = s.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            d.storeBytes(of: head, as: UInt64.self)
            d.storeBytes(of: tail, toByteOffset: n &- 8, as: UInt64.self)
        } else if n >= 4 {
            let head = s.loadUnaligned(as: UInt32.self)
            let tail = s.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
            d.storeBytes(of: head, as: UInt32.self)
            d.storeBytes(of: tail, toByteOffset: n &- 4, as: UInt32.self)
        } else if n >= 2 {
            let head = s.loadUnaligned(as: UInt16.self)
            let tail = s.loadUnaligned(fromByteOffset: n &- 2, as: UInt16.self)
            d.storeBytes(of: head, as: UInt16.self)
            d.storeBytes(of: tail, toByteOffset: n &- 2, as: UInt16.self)
        } else {
            to.pointee = from.pointee
        }
    }

    @inlinable @inline(__always)
    mutating func bytes(_ b: UnsafeRawBufferPointer) {
        guard let base = b.baseAddress, b.count > 0 else { return }
        checkRoom(b.count)
        Self.copy(base.assumingMemoryBound(to: UInt8.self), to: cursor, b.count)
        cursor += b.count
    }

    @inlinable @inline(__always)
    mutating func bytes(_ a: [UInt8]) {
        a.withUnsafeBytes { bytes($0) }
    }

    /// Decimal digits of a non-negative number (negative values write `0`).
    @inlinable
    mutating func decimal(_ value: Int64) {
        if value >= 100 && value <= 999 {
            // Status codes: three digits straight away.
            checkRoom(3)
            let v = Int(value)
            cursor[0] = UInt8(truncatingIfNeeded: v / 100) &+ 48
            cursor[1] = UInt8(truncatingIfNeeded: v / 10 % 10) &+ 48
            cursor[2] = UInt8(truncatingIfNeeded: v % 10) &+ 48
            cursor += 3
            return
        }
        var v = UInt64(clamping: value)
        var digits = 1
        var probe = v
        while probe >= 10 { probe /= 10; digits &+= 1 }
        checkRoom(digits)
        var q = cursor + digits
        repeat {
            q -= 1
            q.initialize(to: UInt8(truncatingIfNeeded: v % 10) &+ 48)
            v /= 10
        } while v > 0
        cursor += digits
    }

    /// 16 lowercase hex digits.
    @inlinable
    mutating func hex16(_ value: UInt64) {
        checkRoom(16)
        UnsafeMutableRawPointer(cursor).storeBytes(of: Self.hex8(UInt32(truncatingIfNeeded: value >> 32)), as: UInt64.self)
        UnsafeMutableRawPointer(cursor + 8).storeBytes(of: Self.hex8(UInt32(truncatingIfNeeded: value)), as: UInt64.self)
        cursor += 16
    }

    /// The 8 lowercase hex digits of `v`, most significant first in memory order (to be
    /// stored little-endian): nibbles spread to one per byte, then mapped to ASCII with
    /// `'0' + n`, plus `'a' - '0' - 10` where `n > 9`, on all eight bytes at once.
    @inlinable @inline(__always)
    static func hex8(_ v: UInt32) -> UInt64 {
        var x = UInt64(v)
        x = (x | x << 16) & 0x0000_FFFF_0000_FFFF
        x = (x | x << 8) & 0x00FF_00FF_00FF_00FF
        x = (x | x << 4) & 0x0F0F_0F0F_0F0F_0F0F
        // Byte k now holds nibble k (least significant first); print the top one first.
        x = x.byteSwapped
        let letters = ((x &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        return (x &+ 0x3030_3030_3030_3030 &+ letters &* 0x27).littleEndian
    }
}

/// Something that writes itself through a `ByteWriter` (a head to serialise).
@usableFromInline
protocol ByteContent {
    func write(into writer: inout ByteWriter)
}
