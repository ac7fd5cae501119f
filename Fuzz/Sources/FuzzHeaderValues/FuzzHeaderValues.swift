import ApusHTTP

/// The readers of single field values a client controls: HTTP dates (If-Modified-Since,
/// If-Range), Range and Accept-Encoding. None may trap; a date that parses must survive a
/// format and parse again unchanged, a served range must lie inside the file, and any
/// 64-bit file time must format.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 2 else { return 0 }
    // The first two bytes choose the file size, so ranges meet empty, tiny and large files.
    let sizes = [0, 1, 2, 10, 1000, 1 << 40, Int.max]
    let fileSize = sizes[Int(data[0]) % sizes.count] - Int(data[1] % 2)
    let value = UnsafeRawBufferPointer(start: data + 2, count: size - 2)
    let text = String(decoding: value, as: UTF8.self)

    if let seconds = HTTPDate.parse(text) {
        precondition(HTTPDate.parse(HTTPDate.format(seconds)) == seconds, "date does not survive a round trip: \(text)")
    }
    switch ByteRangeRequest.parse(text, size: max(fileSize, 0)) {
    case .partial(let first, let last):
        precondition(0 <= first && first <= last && last < fileSize, "range \(first)-\(last) outside a file of \(fileSize)")
    case .whole, .unsatisfiable:
        break
    }
    _ = ContentCoding.acceptsGzip(value: value)
    // File times reach the formatter unchecked (tmpfs keeps any 64-bit value).
    if value.count >= 8 {
        _ = HTTPDate.format(value.loadUnaligned(as: Int.self))
    }
    return 0
}
