import Testing
@testable import ApusHTTP

/// The request and response fields behind the gzip decision.
struct ContentCodingTests {
    static func accepts(_ value: String) -> Bool {
        Array(value.utf8).withUnsafeBytes { ContentCoding.acceptsGzip(value: $0) }
    }

    /// Accept-Encoding values and whether they accept gzip: weights parsed as qvalues,
    /// `q=0` refuses even when `*` accepts, `*` counts when gzip isn't listed.
    @Test(arguments: [
        ("gzip", true),
        ("GZip", true),
        ("x-gzip", true),
        ("gzip, deflate, br, zstd", true),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", true),
        ("gzip;q=0.001", true),
        ("gzip ; q=0.5", true),
        ("gzip;Q=1", true),
        ("gzip;q=1.000", true),
        ("gzip;level=9", true),
        (",, gzip ,", true),
        ("*", true),
        ("deflate, *;q=0.5", true),
        ("gzip, *;q=0", true),
        ("gzip;q=0", false),
        ("gzip; q=0.000", false),
        ("gzip;q=0, *", false),
        ("*, gzip;q=0", false),
        ("*;q=0", false),
        ("deflate, br", false),
        ("identity", false),
        ("", false),
        ("gzipped", false),
        ("gzip;q=1.5", false),
        ("gzip;q=1.001", false),
        ("gzip;q=0.5000", false),
        ("gzip;q=abc", false),
        ("gzip;q=", false),
        ("gzip;q", false),
        ("gzip junk", false),
    ])
    func acceptEncoding(_ value: String, _ expected: Bool) {
        #expect(Self.accepts(value) == expected, "\(value)")
    }

    /// Every Accept-Encoding field of a request counts, as one list.
    @Test(arguments: [
        ("Accept-Encoding: br\r\nAccept-Encoding: gzip\r\n", true),
        ("Accept-Encoding: gzip;q=0\r\nX: y\r\nAccept-Encoding: *\r\n", false),
        ("accept-encoding: GZIP\r\n", true),
        ("X-Accept-Encoding: gzip\r\n", false),
        ("", false),
    ])
    func requestFields(_ fields: String, _ expected: Bool) {
        let bytes = Array("GET / HTTP/1.1\r\nHost: a\r\n\(fields)\r\n".utf8)
        var parser = RequestHeadParser()
        var head = RequestHead()
        bytes.withUnsafeBytes { raw in
            #expect(parser.parse(raw, into: &head) == .complete)
            #expect(ContentCoding.acceptsGzip(head, bytes: raw) == expected, "\(fields)")
        }
        #expect((head.acceptEncodingIndex >= 0) == fields.lowercased().hasPrefix("accept-encoding"))
    }

    /// Cache-Control directives: `no-transform` found as a directive, not inside a quoted value or as a prefix.
    @Test(arguments: [
        ("no-transform", true),
        ("public, NO-TRANSFORM", true),
        ("no-cache, no-transform, max-age=0", true),
        ("max-age=60", false),
        ("private=\"a, no-transform\"", false),
        ("max-age=\"no-transform\", no-store", false),
        ("no-transformer", false),
        ("", false),
    ])
    func noTransform(_ value: String, _ expected: Bool) {
        #expect(Array(value.utf8).withUnsafeBytes { ContentCoding.forbidsTransform(value: $0) } == expected, "\(value)")
    }

    static func response(_ fields: String) -> (ResponseHead, [UInt8]) {
        let bytes = Array("HTTP/1.1 200 OK\r\n\(fields)Content-Length: 5000\r\n\r\n".utf8)
        var parser = ResponseHeadParser()
        var head = ResponseHead()
        bytes.withUnsafeBytes { raw in
            #expect(parser.parse(raw, requestMethod: .get, into: &head) == .complete)
        }
        return (head, bytes)
    }

    /// Content-Encoding with a value marks a body as encoded; Content-Type and Cache-Control are found in the head.
    @Test func responseFields() {
        let (encoded, encodedBytes) = Self.response("Content-Encoding: br\r\nContent-Type: text/html\r\nCache-Control: no-transform\r\n")
        #expect(ContentCoding.isEncoded(encoded))
        encodedBytes.withUnsafeBytes { raw in
            #expect(ContentCoding.contentType(encoded, bytes: raw).map { String(decoding: $0, as: UTF8.self) } == "text/html")
            #expect(ContentCoding.forbidsTransform(encoded, bytes: raw))
        }
        let (plain, plainBytes) = Self.response("Cache-Control: public\r\n")
        #expect(!ContentCoding.isEncoded(plain))
        plainBytes.withUnsafeBytes { raw in
            #expect(ContentCoding.contentType(plain, bytes: raw) == nil)
            #expect(!ContentCoding.forbidsTransform(plain, bytes: raw))
        }
    }

    static func gzipHead(_ fields: String, keepAlive: Bool = true) -> String {
        let (head, bytes) = response(fields)
        var out = HeadBuffer()
        bytes.withUnsafeBytes { HeadSerializer.writeGzipResponse(head, bytes: $0, keepAlive: keepAlive, into: &out) }
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// The compressed head: Content-Encoding and chunked framing added, length and ranges
    /// dropped, a strong ETag weakened, Accept-Encoding in Vary exactly once.
    @Test(arguments: [
        ("Content-Type: text/html\r\n",
         "Content-Type: text/html\r\nVary: Accept-Encoding\r\n"),
        ("ETag: \"v1\"\r\nAccept-Ranges: bytes\r\n",
         "ETag: W/\"v1\"\r\nVary: Accept-Encoding\r\n"),
        ("ETag: W/\"v1\"\r\n",
         "ETag: W/\"v1\"\r\nVary: Accept-Encoding\r\n"),
        ("ETag: v1\r\n",
         "Vary: Accept-Encoding\r\n"),
        ("Vary: Origin\r\nX: y\r\nVary: Cookie\r\n",
         "Vary: Origin, Accept-Encoding\r\nX: y\r\nVary: Cookie\r\n"),
        ("vary: Cookie, accept-encoding\r\n",
         "vary: Cookie, accept-encoding\r\n"),
        ("Vary: Origin\r\nVary: accept-encoding\r\n",
         "Vary: Origin\r\nVary: accept-encoding\r\n"),
        ("Vary: *\r\n",
         "Vary: *\r\n"),
        ("Vary: \r\n",
         "Vary: Accept-Encoding\r\n"),
        ("Connection: X-Hop\r\nX-Hop: 1\r\nKeep-Alive: 5\r\nContent-Encoding: \r\n",
         "Vary: Accept-Encoding\r\n"),
    ])
    func compressedHead(_ fields: String, _ expected: String) {
        #expect(Self.gzipHead(fields) == "HTTP/1.1 200 OK\r\n" + expected
            + "Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n")
    }

    /// A compressed response that ends the connection says so.
    @Test func compressedHeadClose() {
        #expect(Self.gzipHead("", keepAlive: false)
            == "HTTP/1.1 200 OK\r\nVary: Accept-Encoding\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    }
}
