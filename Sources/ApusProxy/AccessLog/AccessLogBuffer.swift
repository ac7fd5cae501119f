import ApusCore

/// A worker's pending access-log lines, handed to the `AccessLogWriter` when large or
/// once a second.
///
/// Thread rule: owned by one worker.
struct AccessLogBuffer {
    var bytes: [UInt8] = []
    static let handOverSize = 64 * 1024

    mutating func handOver(to writer: AccessLogWriter?) {
        guard !bytes.isEmpty, let writer else { return }
        writer.submit(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func append(_ raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }

    /// Appends `raw` as the inside of a JSON string.
    mutating func appendJSONEscaped(_ raw: [UInt8]) {
        for byte in raw {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0..<0x20, 0x7F:
                append("\\u00")
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
    }

    /// Appends `raw` for a quoted field of the combined format (quotes and controls escaped).
    mutating func appendCombinedEscaped(_ raw: [UInt8]) {
        if raw.isEmpty {
            append("-")
            return
        }
        for byte in raw {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte == 0x7F {
                append("\\x")
                let hex = Array("0123456789ABCDEF".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            } else {
                bytes.append(byte)
            }
        }
    }
}
