import Testing
@testable import ApusHTTP

/// The raw-pointer writer the serialisers use.
struct ByteWriterTests {
    /// Writes `body` into a fresh array through `appendWriting` and returns the text.
    struct Content: ByteContent {
        let body: (inout ByteWriter) -> Void
        func write(into writer: inout ByteWriter) { body(&writer) }
    }

    static func written(bound: Int, prefix: String = "", _ body: @escaping (inout ByteWriter) -> Void) -> String {
        var out = HeadBuffer()
        out.append(contentsOf: Array(prefix.utf8))
        out.appendWriting(bound: bound, Content(body: body))
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// Copies of every length from 1 to 40 bytes (the inline paths and memcpy) are exact.
    @Test func copiesEveryLength() {
        let source = Array("abcdefghijklmnopqrstuvwxyz0123456789ABCD".utf8)
        for n in 1...40 {
            let got = source.withUnsafeBufferPointer { src in
                Self.written(bound: n, prefix: "<") { w in w.bytes(src.baseAddress!, 0, Int32(n)) }
            }
            #expect(got == "<" + String(decoding: source[0..<n], as: UTF8.self), "length \(n)")
        }
    }

    /// Decimal numbers, three-digit statuses included, print without padding.
    @Test func writesDecimals() {
        let table: [(Int64, String)] = [
            (0, "0"), (7, "7"), (99, "99"), (100, "100"), (204, "204"), (999, "999"), (1000, "1000"),
            (1_234_567_890_123, "1234567890123"), (Int64.max, "9223372036854775807"), (-5, "0"),
        ]
        for (value, text) in table {
            #expect(Self.written(bound: 20) { $0.decimal(value) } == text)
        }
    }

    /// Request IDs print as 16 lowercase hex digits each, most significant first.
    @Test func writesHex() {
        let table: [(UInt64, String)] = [
            (0, "0000000000000000"), (0x0123_4567_89ab_cdef, "0123456789abcdef"), (.max, "ffffffffffffffff"),
        ]
        for (value, text) in table {
            #expect(Self.written(bound: 16) { $0.hex16(value) } == text)
        }
    }
}
