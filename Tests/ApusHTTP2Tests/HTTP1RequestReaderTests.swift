import ApusHTTP2
import Testing

@Suite struct HTTP1RequestReaderTests {
    struct Seen: Equatable {
        var fields: [String] = []
        var body = ""
        var ended = false
        var trailers: [String] = []
    }

    static func read(_ chunks: [String], scheme: StaticString = "http") -> (Seen, Bool, Bool) {
        var reader = HTTP1RequestReader(scheme: scheme)
        var seen = Seen()
        var valid = true
        for chunk in chunks where valid {
            valid = Array(chunk.utf8).withUnsafeBytes { bytes in
                reader.take(bytes) { output in
                    switch output {
                    case .head(let block, let endStream):
                        seen.fields = block.fields.map { String(decoding: $0.name + [0x3D] + $0.value, as: UTF8.self) }
                        seen.ended = endStream
                    case .body(let bytes, let endStream):
                        seen.body += String(decoding: bytes, as: UTF8.self)
                        seen.ended = endStream
                    case .trailers(let fields):
                        seen.trailers = fields.map { String(decoding: $0.name + [0x3D] + $0.value, as: UTF8.self) }
                        seen.ended = true
                    }
                }
            }
        }
        return (seen, valid, reader.isComplete)
    }

    /// Pseudo-header fields first, `:authority` from Host, connection-specific fields left
    /// out, `te: trailers` added; a bodiless request ends with its head.
    @Test func aBodilessRequest() {
        let (seen, valid, complete) = Self.read(["GET /a?b=1 HTTP/1.1\r\nHost: svc:8080\r\nConnection: keep-alive\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n"])
        #expect(valid && complete)
        #expect(seen == Seen(fields: [":method=GET", ":scheme=http", ":authority=svc:8080", ":path=/a?b=1", "x-forwarded-for=10.0.0.1", "te=trailers"],
                             body: "", ended: true))
    }

    /// A Content-Length body goes as it is and ends the stream with its last byte, however
    /// the writes cut it; a byte past it is refused.
    @Test func aLengthBody() {
        let (seen, valid, complete) = Self.read(["POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nhel", "lo", "world"], scheme: "https")
        #expect(valid && complete)
        #expect(seen.fields.prefix(2) == [":method=POST", ":scheme=https"])
        #expect(seen.fields.contains("content-length=10"))
        #expect(seen.body == "helloworld" && seen.ended)
        #expect(!Self.read(["POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nabc"]).1)
    }

    /// A chunked body is de-chunked and its trailers end the stream (a gRPC client's
    /// trailers are rare, but HTTP/2 carries them); without trailers an empty DATA ends it.
    @Test func aChunkedBodyAndItsTrailers() {
        let head = "POST /rpc HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTE: trailers\r\n\r\n"
        let (seen, valid, complete) = Self.read([head + "4\r\nab", "cd\r\n0\r\nX-Checksum: 9\r\n\r\n"])
        #expect(valid && complete)
        #expect(!seen.fields.contains { $0.hasPrefix("transfer-encoding") })
        #expect(seen.fields.filter { $0.hasPrefix("te=") } == ["te=trailers"])
        #expect(seen.body == "abcd" && seen.trailers == ["x-checksum=9"] && seen.ended)
        let (plain, _, plainComplete) = Self.read([head + "1\r\nz\r\n0\r\n\r\n"])
        #expect(plain.body == "z" && plain.trailers.isEmpty && plain.ended && plainComplete)
    }

    /// What an HTTP/2 stream cannot carry is refused: an Upgrade, CONNECT, a second
    /// request, broken HTTP.
    @Test func refusals() {
        #expect(!Self.read(["GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n"]).1)
        #expect(!Self.read(["CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"]).1)
        #expect(!Self.read(["GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\n\r\n"]).1)
        #expect(!Self.read(["GET / HTTP/1.1\r\nHost h\r\n\r\n"]).1)
    }
}
