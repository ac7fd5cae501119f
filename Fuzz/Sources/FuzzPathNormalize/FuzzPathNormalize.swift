import ApusHTTP

/// Properties of the path normalizer: output never longer than the input, rooted, free of
/// empty and dot segments, and a fixed point (normalizing it again changes nothing).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let output = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 1)
    defer { output.deallocate() }
    guard let n = PathNormalizer.normalize(input, into: output) else { return 0 }
    precondition(n >= 1 && n <= size, "length out of range")
    let result = UnsafeRawBufferPointer(rebasing: output[0..<n])
    precondition(result[0] == UInt8(ascii: "/"))
    var segmentStart = 1
    var special = false
    for i in 1...n {
        if i == n || result[i] == UInt8(ascii: "/") {
            let segment = result[segmentStart..<i]
            precondition(i == n || !segment.isEmpty, "empty segment (//) left")
            precondition(!segment.elementsEqual([46]) && !segment.elementsEqual([46, 46]), "dot segment left")
            segmentStart = i + 1
        } else if [37, 63, 35, 0x7F].contains(result[i]) || result[i] <= 0x20 {
            // Bytes that normalize differently (or are refused) when seen raw.
            special = true
        }
    }
    precondition(!result.contains(0), "NUL decoded")
    if !special {
        let second = UnsafeMutableRawBufferPointer.allocate(byteCount: n, alignment: 1)
        defer { second.deallocate() }
        let m = PathNormalizer.normalize(result, into: second)
        precondition(m == n && second.elementsEqual(result), "not a fixed point")
    }
    return 0
}
