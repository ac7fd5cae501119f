import Testing
@testable import ApusHTTP

/// Valid request heads and what the parser derives from them.
struct RequestHeadParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var method: HTTPMethod = .get
        var target = "/"
        var path = "/"
        var query = ""
        var authority = ""
        var version: HTTPVersion = .http11
        var contentLength: Int64 = -1
        var isChunked = false
        var keepAlive = true
        var isUpgrade = false
        var expectsContinue = false
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "minimal GET", input: "GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        Case(name: "path and query", input: "GET /a/b?x=1&y HTTP/1.1\r\nHost: a.example:8080\r\n\r\n",
             target: "/a/b?x=1&y", path: "/a/b?x=1&y", query: "?x=1&y"),
        Case(name: "POST with length", input: "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n",
             method: .post, target: "/up", path: "/up", contentLength: 12),
        Case(name: "repeated identical lengths", input: "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n",
             method: .put, contentLength: 5),
        Case(name: "length list of equal values", input: "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
             method: .put, contentLength: 5),
        Case(name: "chunked", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
             method: .post, isChunked: true),
        Case(name: "chunked, mixed case", input: "POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: ChUnKeD\r\n\r\n",
             method: .post, isChunked: true),
        Case(name: "HTTP/1.0 closes by default", input: "GET / HTTP/1.0\r\n\r\n", version: .http10, keepAlive: false),
        Case(name: "HTTP/1.0 keep-alive", input: "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
             version: .http10, keepAlive: true),
        Case(name: "HTTP/1.1 close", input: "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", keepAlive: false),
        Case(name: "close wins over keep-alive", input: "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n",
             keepAlive: false),
        Case(name: "upgrade", input: "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
             target: "/ws", path: "/ws", isUpgrade: true),
        Case(name: "Connection upgrade without Upgrade", input: "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n"),
        Case(name: "upgrade listed with keep-alive", input: "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n",
             target: "/ws", path: "/ws", isUpgrade: true),
        Case(name: "HTTP/1.0 Upgrade is ignored (RFC 9110 §7.8)",
             input: "GET /ws HTTP/1.0\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
             target: "/ws", path: "/ws", version: .http10, keepAlive: false),
        Case(name: "expect continue", input: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n",
             method: .post, contentLength: 3, expectsContinue: true),
        Case(name: "absolute-form", input: "GET http://example.com:81/p?q HTTP/1.1\r\nHost: x\r\n\r\n",
             target: "http://example.com:81/p?q", path: "/p?q", query: "?q", authority: "example.com:81"),
        Case(name: "absolute-form without path", input: "GET HTTPS://example.com HTTP/1.1\r\nHost: x\r\n\r\n",
             target: "HTTPS://example.com", path: "", authority: "example.com"),
        Case(name: "absolute-form, query only", input: "GET http://h?q=1 HTTP/1.1\r\nHost: h\r\n\r\n",
             target: "http://h?q=1", path: "?q=1", query: "?q=1", authority: "h"),
        Case(name: "asterisk for OPTIONS", input: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", method: .options, target: "*", path: "*"),
        Case(name: "leading empty lines skipped", input: "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        Case(name: "extension method", input: "PURGE /x HTTP/1.1\r\nHost: a\r\n\r\n", method: .other, target: "/x", path: "/x"),
        Case(name: "empty value and OWS", input: "GET / HTTP/1.1\r\nHost:a\r\nX-Empty:\r\nX-Pad: \t v \t\r\n\r\n"),
        Case(name: "IPv6 host", input: "GET / HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\n\r\n"),
        Case(name: "obs-text in value", input: "GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\u{e9}\r\n\r\n"),
    ]

    /// Each valid head parses completely, the same whichever way it is split, with the expected fields.
    @Test(arguments: cases)
    func parsesValidHeads(_ c: Case) {
        let o = ParserVerifier.request(c.input)
        #expect(o.result == .complete)
        #expect(o.headLength == c.input.utf8.count)
        #expect(o.method == c.method)
        // After any empty lines before the request line, up to the first space.
        #expect(o.methodText == String(c.input.drop { $0 == "\r\n" }.prefix { $0 != " " }))
        #expect(o.target == c.target)
        #expect(o.path == c.path)
        #expect(o.query == c.query)
        #expect(o.authority == c.authority)
        #expect(o.version == c.version)
        #expect(o.contentLength == c.contentLength)
        #expect(o.isChunked == c.isChunked)
        #expect(o.keepAlive == c.keepAlive)
        #expect(o.isUpgrade == c.isUpgrade)
        #expect(o.expectsContinue == c.expectsContinue)
    }

    /// Field offsets, the known-header tag and trimmed values come out right.
    @Test func recordsFields() {
        let text = "GET / HTTP/1.1\r\nhOsT: a.b\r\nX-Forwarded-For:  1.2.3.4 \r\nX-Other: v\r\n\r\n"
        let bytes = Array(text.utf8)
        let o = ParserVerifier.request(text)
        #expect(o.fields.map(\.known) == [.host, .xForwardedFor, .other])
        #expect(o.fields.map { ParserVerifier.string(bytes, $0.nameStart, $0.nameEnd) } == ["hOsT", "X-Forwarded-For", "X-Other"])
        #expect(o.fields.map { ParserVerifier.string(bytes, $0.valueStart, $0.valueEnd) } == ["a.b", "1.2.3.4", "v"])
        #expect(o.hostIndex == 0)
    }

    /// The first Cookie field's index is kept (the affinity cookie is read from it), and a
    /// head without one says so.
    @Test func indexesTheFirstCookieField() {
        #expect(ParserVerifier.request("GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\ncOOKIE: a=1\r\nCookie: b=2\r\n\r\n").cookieIndex == 2)
        #expect(ParserVerifier.request("GET / HTTP/1.1\r\nHost: a\r\nSet-Cookie: a=1\r\nCookies: b=2\r\n\r\n").cookieIndex == -1)
    }

    /// Every KnownHeader name is recognised case-insensitively; near misses are `.other`.
    @Test func recognisesKnownHeaders() {
        let table: [(String, KnownHeader)] = [
            ("Host", .host), ("Content-Length", .contentLength), ("Transfer-Encoding", .transferEncoding),
            ("Connection", .connection), ("Keep-Alive", .keepAlive), ("Proxy-Connection", .proxyConnection),
            ("TE", .te), ("Trailer", .trailer), ("Upgrade", .upgrade), ("Expect", .expect),
            ("X-Forwarded-For", .xForwardedFor), ("X-Forwarded-Proto", .xForwardedProto),
            ("X-Forwarded-Host", .xForwardedHost), ("X-Forwarded-Port", .xForwardedPort), ("X-Real-IP", .xRealIP),
            ("X-Request-ID", .xRequestID), ("Accept-Encoding", .acceptEncoding), ("Content-Encoding", .contentEncoding),
            ("Content-Type", .contentType), ("Cache-Control", .cacheControl), ("If-None-Match", .ifNoneMatch),
            ("If-Modified-Since", .ifModifiedSince), ("Range", .range), ("If-Range", .ifRange), ("Date", .date),
            ("Server", .server), ("Cookie", .cookie), ("Cookies", .other), ("Accept", .other), ("Hosts", .other), ("Content-Lengtx", .other), ("X", .other),
        ]
        for (name, known) in table {
            let bytes = Array(name.uppercased().utf8)
            let got = bytes.withUnsafeBytes { KnownHeader.recognise($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 0, $0.count) }
            #expect(got == known, "\(name)")
        }
    }

    /// Names listed in Connection are marked hop-by-hop; others are not.
    @Test func marksFieldsListedInConnection() {
        let text = "GET / HTTP/1.1\r\nHost: a\r\nX-Secret: 1\r\nConnection: x-secret, Keep-Alive\r\nKeep-Alive: 5\r\nX-Kept: 2\r\n\r\n"
        let bytes = Array(text.utf8)
        let o = ParserVerifier.request(text)
        let listed = o.fields.filter(\.listedInConnection).map { ParserVerifier.string(bytes, $0.nameStart, $0.nameEnd) }
        #expect(listed == ["X-Secret", "Keep-Alive"])
    }

    /// Bytes after the head (a body or a pipelined request) are not part of it.
    @Test func stopsAtTheEndOfTheHead() {
        let head = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n"
        let o = ParserVerifier.request(head + "body")
        #expect(o.result == .complete)
        #expect(o.headLength == head.utf8.count)
    }

    /// A reused parser and head parse the next request from scratch, keeping capacity.
    @Test func reusesParserAndHead() {
        var parser = RequestHeadParser()
        var head = RequestHead()
        let first = Array("GET /a HTTP/1.1\r\nHost: a\r\nX-1: 1\r\nX-2: 2\r\nContent-Length: 3\r\n\r\n".utf8)
        #expect(first.withUnsafeBytes { parser.parse($0, into: &head) } == .complete)
        let capacity = head.headers.capacity
        parser.reset()
        let second = Array("GET /b HTTP/1.0\r\n\r\n".utf8)
        #expect(second.withUnsafeBytes { parser.parse($0, into: &head) } == .complete)
        #expect(head.headers.isEmpty)
        #expect(head.contentLength == -1)
        #expect(head.headers.capacity == capacity)
        var response = ResponseHead()
        response.headers = Array(repeating: HeaderField(nameStart: 0, nameEnd: 0, valueStart: 0, valueEnd: 0, known: .other), count: 9)
        let kept = response.headers.capacity
        response.reset()
        #expect(response.headers.isEmpty && response.headers.capacity == kept)
    }

    /// Incomplete heads ask for more bytes.
    @Test(arguments: ["", "G", "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost: a\r\n", "GET / HTTP/1.1\r\nHost: a\r\n\r", "\r\n"])
    func needsMore(_ text: String) {
        #expect(ParserVerifier.request(text).result == .needMore)
    }
}

/// Pipelined heads parse one after the other with the same parser, no explicit reset needed.
@Test func parsesPipelinedHeads() {
    let first = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
    let bytes = Array((first + "\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n").utf8)
    var parser = RequestHeadParser()
    var head = RequestHead()
    #expect(bytes.withUnsafeBytes { parser.parse($0, into: &head) } == .complete)
    #expect(head.headLength == first.utf8.count)
    let rest = Array(bytes[head.headLength...])
    #expect(rest.withUnsafeBytes { parser.parse($0, into: &head) } == .complete)
    #expect(head.headLength == rest.count)
    #expect(ParserVerifier.string(rest, head.targetStart, head.targetEnd) == "/2")
}
