import CNghttp2

/// Fields as libnghttp2's name/value list, laid out in one buffer for one call (libnghttp2
/// copies names and values when a frame is submitted). The buffer and the list are
/// temporary allocations, on the stack when they are small: a head costs no heap
/// allocation here.
enum HTTP2HeaderList {
    /// Calls `body` with the list; `fields` may be empty.
    static func with(_ fields: [HTTP2Field], _ body: (UnsafePointer<nghttp2_nv>?, Int) -> Int32) -> HTTP2Error? {
        var total = 1  // a base address even when every name and value is empty
        for field in fields { total += field.name.count + field.value.count }
        let status = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: total) { bytes in
            withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: max(fields.count, 1)) { list in
                var offset = 0
                for (index, field) in fields.enumerated() {
                    let name = bytes.baseAddress! + offset
                    offset += UnsafeMutableBufferPointer(rebasing: bytes[offset...]).initialize(fromContentsOf: field.name)
                    let value = bytes.baseAddress! + offset
                    offset += UnsafeMutableBufferPointer(rebasing: bytes[offset...]).initialize(fromContentsOf: field.value)
                    list.initializeElement(at: index, to: nghttp2_nv(
                        name: name, value: value, namelen: field.name.count, valuelen: field.value.count,
                        flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
                }
                return body(fields.isEmpty ? nil : UnsafePointer(list.baseAddress), fields.count)
            }
        }
        return HTTP2Error(status: status)
    }

    /// Calls `body` with the list of a field block, which points into the block's buffer.
    static func with(_ block: HTTP2FieldBlock, _ body: (UnsafePointer<nghttp2_nv>?, Int) -> Int32) -> HTTP2Error? {
        let entries = block.entries
        let status = block.bytes.withUnsafeBufferPointer { bytes in
            // Every field has a name, so a block with fields has bytes.
            guard let start = bytes.baseAddress else { return body(nil, 0) }
            // libnghttp2 only reads the names and values (NV_FLAG_NONE copies them).
            let base = UnsafeMutablePointer(mutating: start)
            return withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: max(entries.count, 1)) { list in
                for (index, entry) in entries.enumerated() {
                    list.initializeElement(at: index, to: nghttp2_nv(
                        name: base + Int(entry.nameStart), value: base + Int(entry.nameEnd),
                        namelen: Int(entry.nameEnd - entry.nameStart), valuelen: Int(entry.valueEnd - entry.nameEnd),
                        flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
                }
                return body(entries.isEmpty ? nil : UnsafePointer(list.baseAddress), entries.count)
            }
        }
        return HTTP2Error(status: status)
    }
}

extension HTTP2Error {
    /// libnghttp2's verdict as an error; nil for success (0 or more).
    init?(status: Int32) {
        guard status < 0 else { return nil }
        self.init(code: status, message: String(cString: nghttp2_strerror(status)))
    }
}
