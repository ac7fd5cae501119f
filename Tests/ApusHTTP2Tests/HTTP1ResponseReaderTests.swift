import ApusHTTP
import ApusHTTP2
import Testing

@Suite struct HTTP1ResponseReaderTests {
    struct Seen: Equatable {
        var heads: [Int] = []
        var fields: [String] = []
        var body = ""
        var ended = false
        var trailers: [String] = []
    }

    static func read(_ text: String, method: HTTPMethod = .get, tunnel: Bool = false, then end: Bool = false) -> (Seen, Bool) {
        var reader = HTTP1ResponseReader(requestMethod: method, isTunnel: tunnel)
        var seen = Seen()
        let collect = { (output: HTTP1ResponseReader.Output) in
            switch output {
            case .head(let status, let fields, let endStream):
                seen.heads.append(status)
                seen.fields = fields.fields.dropFirst().map { String(decoding: $0.name, as: UTF8.self) }
                seen.ended = endStream
            case .body(let bytes, let endStream):
                seen.body += String(decoding: bytes, as: UTF8.self)
                seen.ended = endStream
            case .trailers(let fields):
                seen.trailers = fields.map { String(decoding: $0.name + [0x3D] + $0.value, as: UTF8.self) }
                seen.ended = true
            }
        }
        let valid = Array(text.utf8).withUnsafeBytes { reader.take($0, collect) }
        if end { reader.end(collect) }
        return (seen, valid)
    }

    /// Interim answers are left out; chunks are de-chunked and the trailer part ends the
    /// stream; connection-specific fields stay behind.
    @Test func chunkedAfterAnInterimAnswer() {
        let (seen, valid) = Self.read("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\nX-A: 1\r\n\r\n"
                                      + "5\r\nhello\r\n1\r\n!\r\n0\r\n\r\nleftover")
        #expect(valid)
        #expect(seen == Seen(heads: [200], fields: ["x-a"], body: "hello!", ended: true))
    }

    /// HEAD, 204 and 304 end with the head; a Content-Length body ends at its length.
    /// A chunked body's trailer fields end the stream as trailers (gRPC's status), names
    /// lowercased and values trimmed, however the bytes are cut; connection-specific
    /// fields are left out.
    @Test func trailersEndTheStream() {
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nGrpc-Status: 0\r\ngrpc-message:  ok \r\nConnection: x\r\n\r\n"
        let (whole, valid) = Self.read(text)
        #expect(valid)
        #expect(whole == Seen(heads: [200], fields: [], body: "abc", ended: true, trailers: ["grpc-status=0", "grpc-message=ok"]))
        var reader = HTTP1ResponseReader(requestMethod: .get, isTunnel: false)
        var trailers: [String] = []
        for byte in Array(text.utf8) {
            #expect([byte].withUnsafeBytes { reader.take($0) { output in
                if case .trailers(let fields) = output { trailers = fields.map { String(decoding: $0.name, as: UTF8.self) } }
            } })
        }
        #expect(trailers == ["grpc-status", "grpc-message"])
        #expect(reader.isComplete)
    }

    @Test func bodilessAnswersAndLengths() {
        #expect(Self.read("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", method: .head).0 == Seen(heads: [200], fields: ["content-length"], ended: true))
        #expect(Self.read("HTTP/1.1 304 Not Modified\r\n\r\n").0.ended)
        #expect(Self.read("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef").0.body == "abc")
        let (partial, _) = Self.read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        #expect(partial.body == "abc" && !partial.ended)
    }

    /// A body delimited by the connection's end ends when the proxy stops writing.
    @Test func untilCloseEndsAtTheEnd() {
        #expect(Self.read("HTTP/1.0 200 OK\r\n\r\nstream", then: false).0.ended == false)
        #expect(Self.read("HTTP/1.0 200 OK\r\n\r\nstream", then: true).0 == Seen(heads: [200], fields: [], body: "stream", ended: true))
    }

    /// A WebSocket's 101 is a 200 without the handshake's fields, and its bytes the body.
    @Test func aTunnelOpens() {
        let (seen, valid) = Self.read("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n"
                                      + "Sec-WebSocket-Protocol: chat\r\n\r\nframes", tunnel: true)
        #expect(valid && seen == Seen(heads: [200], fields: ["sec-websocket-protocol"], body: "frames", ended: false))
    }

    /// A page in answer to a WebSocket's upgrade must not read as an open WebSocket.
    @Test func aTunnelThatDidNotOpenIsA502() {
        let (seen, valid) = Self.read("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npage", tunnel: true)
        #expect(valid && seen == Seen(heads: [502], fields: [], body: "", ended: true))
    }

    @Test func aBrokenResponseIsRefused() {
        #expect(!Self.read("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n").1)
        #expect(!Self.read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").1)
    }
}
