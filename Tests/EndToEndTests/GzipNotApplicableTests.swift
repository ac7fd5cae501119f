import Foundation
import Testing

/// Responses that must go uncompressed do, byte for byte, while positive controls on the same
/// apus are compressed: HEAD, 204, 304, 206, no-transform, already encoded, below min_length,
/// types not listed, clients refusing gzip, HTTP/1.0 clients and a route with gzip off.
@Suite struct GzipNotApplicableTests {
    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var arguments: [String]
        var status: Int
        var compressed: Bool
        /// The body the client must get as is (nil: no body, or not checked).
        var bodyLength: Int?
    }

    static let gzip = ["-H", "Accept-Encoding: gzip"]

    static func cases(_ base: String) -> [Case] {
        [
            Case(description: "control: gzip accepted", arguments: gzip + ["\(base)/gz?n=5000"], status: 200, compressed: true, bodyLength: nil),
            Case(description: "control: * accepted", arguments: ["-H", "Accept-Encoding: br;q=1, *;q=0.5", "\(base)/gz?n=5000"], status: 200, compressed: true, bodyLength: nil),
            Case(description: "control: exactly min_length", arguments: gzip + ["\(base)/gz?n=1024"], status: 200, compressed: true, bodyLength: nil),
            Case(description: "HEAD", arguments: gzip + ["-I", "\(base)/gz?n=5000"], status: 200, compressed: false, bodyLength: nil),
            Case(description: "204", arguments: gzip + ["\(base)/gz?status=204"], status: 204, compressed: false, bodyLength: 0),
            Case(description: "304", arguments: gzip + ["\(base)/gz?status=304&h=ETag:%22v1%22"], status: 304, compressed: false, bodyLength: 0),
            Case(description: "206", arguments: gzip + ["\(base)/gz?status=206&n=5000&h=Content-Range:bytes%200-4999/9000"], status: 206, compressed: false, bodyLength: 5000),
            Case(description: "no-transform", arguments: gzip + ["\(base)/gz?n=5000&h=Cache-Control:public,%20no-transform"], status: 200, compressed: false, bodyLength: 5000),
            Case(description: "already encoded", arguments: gzip + ["\(base)/gz?n=5000&h=Content-Encoding:br"], status: 200, compressed: false, bodyLength: 5000),
            Case(description: "below min_length", arguments: gzip + ["\(base)/gz?n=1023"], status: 200, compressed: false, bodyLength: 1023),
            Case(description: "type not listed", arguments: gzip + ["\(base)/gz?n=5000&type=image/png"], status: 200, compressed: false, bodyLength: 5000),
            Case(description: "no Content-Type", arguments: gzip + ["\(base)/gz?n=5000&type=none"], status: 200, compressed: false, bodyLength: 5000),
            Case(description: "gzip;q=0", arguments: ["-H", "Accept-Encoding: gzip;q=0, deflate", "\(base)/gz?n=5000"], status: 200, compressed: false, bodyLength: 5000),
            Case(description: "gzip;q=0 beats *", arguments: ["-H", "Accept-Encoding: *, gzip;q=0", "\(base)/gz?n=5000"], status: 200, compressed: false, bodyLength: 5000),
            Case(description: "no Accept-Encoding", arguments: ["\(base)/gz?n=5000"], status: 200, compressed: false, bodyLength: 5000),
            Case(description: "HTTP/1.0 client", arguments: gzip + ["-0", "\(base)/gz?n=5000&frame=chunked"], status: 200, compressed: false, bodyLength: 5000),
            Case(description: "route with gzip off", arguments: gzip + ["-H", "Host: plain.test", "\(base)/gz?n=5000"], status: 200, compressed: false, bodyLength: 5000),
        ]
    }

    /// Each case (without curl decoding anything) is compressed exactly when it should be.
    @Test(.timeLimit(.endToEnd(3))) func compressedOnlyWhenEligible() async throws {
        try await withScenario { s in
            let (port, _) = try await GzipCompressionTests.start(s)
            for c in Self.cases("http://127.0.0.1:\(port)") {
                let r = try await s.curl(c.arguments)
                #expect(r.status == c.status, "\(c): \(r)")
                let encoding = r.header("Content-Encoding")
                if c.compressed {
                    #expect(encoding == "gzip", "\(c)")
                    #expect(r.header("Vary") == "Accept-Encoding", "\(c)")
                    // gzip's magic bytes, and less than the 5000 bytes sent.
                    #expect(Array(r.body.prefix(2)) == [0x1f, 0x8b], "\(c)")
                } else {
                    #expect(encoding != "gzip", "\(c): compressed")
                    #expect(r.header("Vary") == nil, "\(c)")
                }
                if let length = c.bodyLength {
                    #expect(Array(r.body) == BackendScript.pattern(length), "\(c): body changed")
                }
            }
            let head = try await s.curl(Self.gzip + ["-I", "http://127.0.0.1:\(port)/gz?n=5000"])
            #expect(head.header("Content-Length") == "5000", "HEAD keeps the upstream's length")
            let encoded = try await s.curl(Self.gzip + ["http://127.0.0.1:\(port)/gz?n=5000&h=Content-Encoding:br"])
            #expect(encoded.header("Content-Encoding") == "br")
            let notModified = try await s.curl(Self.gzip + ["http://127.0.0.1:\(port)/gz?status=304&h=ETag:%22v1%22"])
            #expect(notModified.header("ETag") == "\"v1\"", "an uncompressed 304 keeps its strong ETag")
        }
    }
}
