import Testing
@testable import ApusHTTP

/// The chunked decoder: payload, end position and strict rejections, however fed.
struct ChunkedDecoderTests {
    /// Valid streams decode to their payload and end right after the final CRLF.
    @Test(arguments: [
        ("5\r\nhello\r\n0\r\n\r\n", "hello"),
        ("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"),
        ("A\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
        ("a;name=value;x\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
        ("0005\r\nhello\r\n000\r\n\r\n", "hello"),
        ("0\r\n\r\n", ""),
        ("3\r\nabc\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n", "abc"),
        ("2\r\n\r\n\r\n0\r\n\r\n", "\r\n"),
    ])
    func decodes(_ input: String, _ payload: String) {
        let o = ParserVerifier.chunked(Array(input.utf8))
        #expect(o.failure == nil)
        #expect(o.payload == Array(payload.utf8))
        #expect(o.endedAt == input.utf8.count)
        #expect(o.payloadBytes == Int64(payload.utf8.count))
    }

    /// Bytes after the end (a pipelined request) are not consumed.
    @Test func stopsAtTheEnd() {
        let o = ParserVerifier.chunked(Array("1\r\nx\r\n0\r\n\r\nGET / HTTP/1.1\r\n".utf8))
        #expect(o.endedAt == 11)
    }

    /// Invalid framing fails with its reason (smuggling variants included).
    @Test(arguments: [
        ("0x5\r\nhello\r\n0\r\n\r\n", HTTPParseError.Reason.invalidChunkSize),
        ("-1\r\nx\r\n0\r\n\r\n", .invalidChunkSize),
        (";ext\r\nx\r\n0\r\n\r\n", .invalidChunkSize),
        ("\r\nx\r\n0\r\n\r\n", .invalidChunkSize),
        ("5 \r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
        (" 5\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
        ("+5\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
        ("g\r\n", .invalidChunkSize),
        ("10000000000000000\r\n", .invalidChunkSize),
        ("4000000000000001\r\n", .invalidChunkSize),
        ("FFFFFFFFFFFFFFFF\r\n", .invalidChunkSize),
        ("5\nhello\r\n0\r\n\r\n", .invalidChunkSize),
        ("5\r\nhelloX\r\n0\r\n\r\n", .invalidChunkFraming),
        ("5\r\nhello\n0\r\n\r\n", .invalidChunkFraming),
        ("5\r\rhello\r\n0\r\n\r\n", .invalidChunkFraming),
        ("5;a\u{01}\r\nhello\r\n0\r\n\r\n", .invalidChunkFraming),
        ("0\r\nX : y\r\n\r\n", .invalidTrailer),
        ("0\r\n y\r\n\r\n", .invalidTrailer),
        ("0\r\nX: a\u{01}\r\n\r\n", .invalidTrailer),
        ("0\r\nX: y\n\r\n", .invalidTrailer),
        ("0\r\n\rX", .invalidChunkFraming),
    ])
    func rejects(_ input: String, _ reason: HTTPParseError.Reason) {
        let o = ParserVerifier.chunked(Array(input.utf8))
        #expect(o.failure == reason)
    }

    /// Extensions and trailers are bounded.
    @Test func boundsLines() {
        let ext = "1;" + String(repeating: "e", count: 5_000) + "\r\nx\r\n0\r\n\r\n"
        #expect(ParserVerifier.chunked(Array(ext.utf8)).failure == .chunkExtensionTooLong)
        let trailer = "0\r\nX: " + String(repeating: "t", count: 17_000) + "\r\n\r\n"
        #expect(ParserVerifier.chunked(Array(trailer.utf8)).failure == .invalidTrailer)
    }

    /// A failed or finished decoder stays so.
    @Test func isFinal() {
        var decoder = ChunkedDecoder()
        let bad = Array("z".utf8)
        let first = bad.withUnsafeBytes { decoder.decode($0) }
        let again = Array("0\r\n\r\n".utf8).withUnsafeBytes { decoder.decode($0) }
        #expect(first == again)
        var done = ChunkedDecoder()
        _ = Array("0\r\n\r\n".utf8).withUnsafeBytes { done.decode($0) }
        #expect(done.isComplete)
        #expect(Array("1".utf8).withUnsafeBytes { done.decode($0) } == .end(consumed: 0))
    }

    /// One call reports framing and data together: consumed covers the size line and the data.
    @Test func reportsDataWithFraming() {
        var decoder = ChunkedDecoder()
        let step = Array("3\r\nabc\r\n".utf8).withUnsafeBytes { decoder.decode($0) }
        #expect(step == .data(offset: 3, count: 3, consumed: 6))
    }
}
