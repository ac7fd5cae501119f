import CNghttp2

/// Fields as libnghttp2's name/value list, laid out in one buffer for one call (libnghttp2
/// copies names and values when a frame is submitted).
enum HTTP2HeaderList {
    /// Calls `body` with the list; `fields` may be empty.
    static func with(_ fields: [HTTP2Field], _ body: (UnsafePointer<nghttp2_nv>?, Int) -> Int32) -> HTTP2Error? {
        var bytes: [UInt8] = []
        var offsets: [(name: Int, value: Int)] = []
        for field in fields {
            offsets.append((bytes.count, bytes.count + field.name.count))
            bytes += field.name
            bytes += field.value
        }
        bytes.append(0)  // a base address even when every name and value is empty
        let status: Int32 = bytes.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            let list = zip(fields, offsets).map { field, offset in
                nghttp2_nv(name: base + offset.name, value: base + offset.value, namelen: field.name.count, valuelen: field.value.count,
                           flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
            }
            return list.withUnsafeBufferPointer { body($0.baseAddress, $0.count) }
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
