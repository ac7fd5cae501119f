import Testing
@testable import ApusHTTP

/// Response heads: status line, strictness, and the body framing decision.
struct ResponseHeadParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var method: HTTPMethod = .get
        var status = 200
        var reason = "OK"
        var framing: BodyFraming
        var connectionClose = false
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "length", input: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", framing: .contentLength(10)),
        Case(name: "length zero", input: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", framing: .none),
        Case(name: "chunked", input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", framing: .chunked),
        Case(name: "until close", input: "HTTP/1.1 200 OK\r\nX: y\r\n\r\n", framing: .untilClose, connectionClose: true),
        Case(name: "HEAD has no body", input: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", method: .head, framing: .none),
        Case(name: "204", input: "HTTP/1.1 204 No Content\r\n\r\n", status: 204, reason: "No Content", framing: .none),
        Case(name: "304", input: "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", status: 304, reason: "Not Modified", framing: .none),
        Case(name: "100", input: "HTTP/1.1 100 Continue\r\n\r\n", status: 100, reason: "Continue", framing: .none),
        Case(name: "101", input: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
             status: 101, reason: "Switching Protocols", framing: .none),
        Case(name: "empty reason", input: "HTTP/1.1 404 \r\nContent-Length: 1\r\n\r\n", status: 404, reason: "", framing: .contentLength(1)),
        Case(name: "no reason, no space", input: "HTTP/1.1 500\r\nContent-Length: 1\r\n\r\n", status: 500, reason: "", framing: .contentLength(1)),
        Case(name: "connection close", input: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n",
             framing: .contentLength(1), connectionClose: true),
        Case(name: "HTTP/1.0 closes", input: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", framing: .contentLength(1), connectionClose: true),
        Case(name: "HTTP/1.0 keep-alive", input: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n",
             framing: .contentLength(1)),
    ]

    /// Each response parses, the same however split, with the right status and framing.
    @Test(arguments: cases)
    func parses(_ c: Case) {
        let o = ParserVerifier.response(c.input, method: c.method)
        #expect(o.result == .complete)
        #expect(o.headLength == c.input.utf8.count)
        #expect(o.status == c.status)
        #expect(o.reason == c.reason)
        #expect(o.framing == c.framing)
        #expect(o.connectionClose == c.connectionClose)
    }

    /// Malformed or ambiguous responses fail with their reason.
    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", HTTPParseError.Reason.contentLengthAndTransferEncoding),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", .conflictingContentLength),
        ("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", .invalidContentLength),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", .unsupportedTransferEncoding),
        ("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", .obsFold),
        ("HTTP/1.1 200 OK\r\nX : a\r\n\r\n", .whitespaceBeforeColon),
        ("HTTP/1.1 200 OK\nX: a\r\n\r\n", .bareLF),
        ("HTTP/1.1 200 OK\r\nX: a\u{01}\r\n\r\n", .invalidHeaderValue),
        ("HTTP/2.0 200 OK\r\n\r\n", .unsupportedVersion),
        ("HTTP/1.1 20 OK\r\n\r\n", .invalidStatusLine),
        ("HTTP/1.1 099 OK\r\n\r\n", .invalidStatusLine),
        ("HTTP/1.1 2000 OK\r\n\r\n", .invalidStatusLine),
        ("http/1.1 200 OK\r\n\r\n", .invalidStatusLine),
        ("ICY 200 OK\r\n\r\n", .invalidStatusLine),
    ])
    func rejects(_ input: String, _ reason: HTTPParseError.Reason) {
        let o = ParserVerifier.response(input)
        #expect(o.result == .failed(HTTPParseError(reason, at: errorOffset(o.result))))
    }

    private func errorOffset(_ result: HeadParseResult) -> Int {
        if case .failed(let e) = result { return e.offset }
        return -1
    }

    /// A head that outgrows the limit without ending fails instead of waiting.
    @Test func limitsHeadSize() {
        var parser = ResponseHeadParser(maxHeadBytes: 32)
        var head = ResponseHead()
        let bytes = Array("HTTP/1.1 200 OK\r\nX-Long: aaaaaaaaaaaaaaaaaaaa".utf8)
        let result = bytes.withUnsafeBytes { parser.parse($0, requestMethod: .get, into: &head) }
        #expect(result == .failed(HTTPParseError(.headTooLarge, at: 32)))
    }
}
