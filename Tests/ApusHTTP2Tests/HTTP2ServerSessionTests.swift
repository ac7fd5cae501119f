import ApusHTTP
import Testing
@testable import ApusHTTP2

/// The server session against libnghttp2's client: request heads and their HTTP/1.1
/// translation, responses with bodies and trailers, flow control as backpressure, the
/// refusals RFC 9113 asks for, and the floods that end a connection.
@Suite struct HTTP2ServerSessionTests {
    static let get = [(":method", "GET"), (":scheme", "https"), (":authority", "shop.test"), (":path", "/cart?id=7")]

    static func requests(_ events: [HTTP2Event]) -> [HTTP2RequestHead] {
        events.compactMap { if case .request(let head) = $0 { head } else { nil } }
    }

    static func closed(_ events: [HTTP2Event], _ stream: Int32) -> UInt32? {
        events.lazy.compactMap { if case .streamClosed(stream, let code) = $0 { code } else { nil } }.first
    }

    @Test func aRequestBecomesTheHTTP11HeadTheProxyParses() throws {
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        let stream = client.request(Self.get + [("accept", "*/*"), ("cookie", "a=1"), ("user-agent", "test"), ("cookie", "b=2")])
        let events = converse(client, server)
        let head = try #require(Self.requests(events).first)
        #expect(head.streamID == stream && head.endStream)
        #expect(head.fields == [HTTP2Field("accept", "*/*"), HTTP2Field("cookie", "a=1; b=2"), HTTP2Field("user-agent", "test")])
        #expect(events.contains(.endOfRequest(streamID: stream)))

        let bytes = head.http1Head()
        #expect(String(decoding: bytes, as: UTF8.self)
                == "GET /cart?id=7 HTTP/1.1\r\nhost: shop.test\r\naccept: */*\r\ncookie: a=1; b=2\r\nuser-agent: test\r\nconnection: close\r\n\r\n")
        var parser = RequestHeadParser(limits: HTTPLimits())
        var parsed = RequestHead()
        #expect(bytes.withUnsafeBytes { parser.parse($0, into: &parsed) } == .complete)
        #expect(parsed.method == .get && parsed.hostIndex == 0 && parsed.cookieIndex == 2)
        // One request per stream: nothing after it on the stream may be read as another.
        #expect(!parsed.keepAlive)
    }

    @Test func responsesWithBodiesAndTrailersReachTheClient() throws {
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        let stream = client.request(Self.get)
        converse(client, server)
        #expect(server.respond(streamID: stream, status: 200, fields: [HTTP2Field("content-type", "text/plain")], endStream: false) == nil)
        Array("hello, ".utf8).withUnsafeBytes { server.sendData(streamID: stream, $0, endStream: false) }
        converse(client, server)
        Array("world".utf8).withUnsafeBytes { server.sendData(streamID: stream, $0, endStream: true, trailers: [HTTP2Field("grpc-status", "0")]) }
        let events = converse(client, server)
        let response = try #require(client.responses[stream])
        #expect(response.status == 200 && response.fields.map(\.0) == ["content-type"])
        #expect(String(decoding: response.body, as: UTF8.self) == "hello, world")
        #expect(response.trailers.map { "\($0.0)=\($0.1)" } == ["grpc-status=0"])
        #expect(response.closedWith == 0 && Self.closed(events, stream) == 0)
        #expect(server.queuedBytes(streamID: stream) == 0)
    }

    /// A body that ends with no bytes (a response whose length was unknown and came out
    /// empty) ends the stream cleanly.
    @Test func anEmptyBodyEndsTheStream() throws {
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        let stream = client.request(Self.get)
        converse(client, server)
        #expect(server.respond(streamID: stream, status: 200, fields: [], endStream: false) == nil)
        [UInt8]().withUnsafeBytes { server.sendData(streamID: stream, $0, endStream: true) }
        converse(client, server)
        #expect(client.responses[stream]?.status == 200 && client.responses[stream]?.body.isEmpty == true && client.responses[stream]?.closedWith == 0)
    }

    /// A request body stops at the stream's window until Apus reports it passed on: the
    /// client cannot make Apus hold more than a window per stream. (Before the client has
    /// Apus's SETTINGS it may send the protocol's default 65,535 bytes.)
    @Test func theWindowReopensOnlyAsTheBodyIsConsumed() throws {
        var settings = HTTP2Settings()
        settings.initialWindowSize = 16_384
        let server = try HTTP2ServerSession(settings: settings)
        let client = HTTP2TestClient()
        let body = [UInt8](repeating: 0x62, count: 100_000)
        let stream = client.request([(":method", "POST"), (":scheme", "http"), (":authority", "a.test"), (":path", "/up")], body: body)
        var received = 0
        var ended = false
        var events = converse(client, server)
        for round in 0..<40 {
            let chunk = events.reduce(0) { if case .data(stream, let bytes) = $1 { $0 + bytes.count } else { $0 } }
            received += chunk
            ended = ended || events.contains(.endOfRequest(streamID: stream))
            #expect(chunk <= (round == 0 ? 65_535 : 16_384), "round \(round): \(chunk) bytes beyond the window")
            if ended { break }
            #expect(chunk > 0, "round \(round): the body stalled")
            server.consumed(streamID: stream, count: chunk)
            events = converse(client, server)
        }
        #expect(received == body.count && ended)
    }

    @Test func aBodyWithoutLengthIsChunkedInHTTP11() throws {
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        client.request([(":method", "POST"), (":scheme", "http"), (":authority", "a.test"), (":path", "/up")], body: Array("abc".utf8))
        let head = try #require(Self.requests(converse(client, server)).first)
        #expect(!head.endStream)
        #expect(String(decoding: head.http1Head(), as: UTF8.self) == "POST /up HTTP/1.1\r\nhost: a.test\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n")
        var withLength = head
        withLength.fields = [HTTP2Field("content-length", "3")]
        #expect(String(decoding: withLength.http1Head(), as: UTF8.self) == "POST /up HTTP/1.1\r\nhost: a.test\r\ncontent-length: 3\r\nconnection: close\r\n\r\n")
    }

    /// RFC 9113 §8.2.2 and §8.3: connection-specific fields, uppercase names and a missing
    /// pseudo-header reset the stream (PROTOCOL_ERROR) before any request event; Host and
    /// `:authority` that disagree, or no host at all, are answered 400.
    @Test func malformedRequestsAreRefused() throws {
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        let connection = client.request(Self.get + [("connection", "keep-alive")])
        let noPath = client.request([(":method", "GET"), (":scheme", "https"), (":authority", "shop.test")])
        let te = client.request(Self.get + [("te", "gzip")])
        let otherHost = client.request(Self.get + [("host", "evil.test")])
        let sameHost = client.request(Self.get + [("host", "SHOP.test")])
        let noHost = client.request([(":method", "GET"), (":scheme", "https"), (":path", "/")])
        let events = converse(client, server)
        for stream in [connection, noPath, te] {
            #expect(Self.closed(events, stream) == NGHTTP2Codes.protocolError, "stream \(stream): \(events)")
            #expect(!Self.requests(events).contains { $0.streamID == stream })
        }
        #expect(events.contains(.refused(streamID: otherHost, status: 400)))
        // Without :authority and Host: refused by libnghttp2 (PROTOCOL_ERROR) or by Apus (400).
        #expect(events.contains(.refused(streamID: noHost, status: 400)) || Self.closed(events, noHost) == NGHTTP2Codes.protocolError,
                "\(events.filter { "\($0)".contains("11") })")
        #expect(Self.requests(events).map(\.streamID) == [sameHost])
    }

    /// An uppercase field name (which libnghttp2's client would lowercase, so the frame is
    /// made by hand) resets its stream with PROTOCOL_ERROR.
    @Test func uppercaseNamesResetTheStream() throws {
        let server = try HTTP2ServerSession()
        var bytes = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + Frames.settings()
        // :method GET, :scheme http, :path / (indexed), :authority a.test, then "X-Upper: 1"
        // as a literal: without the uppercase name the request would be served.
        bytes += Frames.frame(type: 1, flags: 0x5, stream: 1, payload: Frames.getHead + [0x00, 0x07] + Array("X-Upper".utf8) + [0x01, 0x31])
        bytes += Frames.frame(type: 1, flags: 0x5, stream: 3, payload: Frames.getHead + [0x00, 0x07] + Array("x-lower".utf8) + [0x01, 0x31])
        #expect(bytes.withUnsafeBytes { server.receive($0) } == nil)
        let output = serverOutput(server)
        let events = server.takeEvents()
        #expect(Self.requests(events).map(\.streamID) == [3])
        #expect(Frames.resets(output) == [1: NGHTTP2Codes.protocolError], "\(events)")
    }

    /// A header list past the limit (here a 40 KB value, HPACK-compressed or not) is
    /// answered 431 and does not grow memory past the limit.
    @Test func aHeaderListPastTheLimitIs431() throws {
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        let big = client.request(Self.get + [("x-big", String(repeating: "b", count: 40_000))])
        let fine = client.request(Self.get + [("x-small", String(repeating: "s", count: 1_000))])
        let events = converse(client, server)
        #expect(events.contains(.refused(streamID: big, status: 431)))
        #expect(Self.requests(events).map(\.streamID) == [fine])
    }

    /// One stream whose body nobody consumes (a slow upstream) holds only its own window:
    /// another stream's body still gets through whole.
    @Test func aSlowStreamDoesNotStallTheOthers() throws {
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        let post = [(":method", "POST"), (":scheme", "http"), (":authority", "a.test"), (":path", "/")]
        let slow = client.request(post, body: [UInt8](repeating: 1, count: 100_000))
        converse(client, server)
        let fast = client.request(post, body: [UInt8](repeating: 2, count: 200_000))
        var received = 0
        for _ in 0..<40 {
            let events = converse(client, server)
            let chunk = events.reduce(0) { if case .data(fast, let bytes) = $1 { $0 + bytes.count } else { $0 } }
            received += chunk
            server.consumed(streamID: fast, count: chunk)
            if events.contains(.endOfRequest(streamID: fast)) { break }
        }
        #expect(received == 200_000)
        _ = slow
    }

    /// Another scheme, an absolute-form or empty path, and CONNECT are answered 400: the
    /// HTTP/1.1 request would otherwise route by the path's own authority.
    @Test func schemesPathsAndConnectAreChecked() throws {
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        let foreign = client.request([(":method", "GET"), (":scheme", "foo"), (":authority", "shop.test"), (":path", "http://internal.test/admin")])
        let absolute = client.request([(":method", "GET"), (":scheme", "https"), (":authority", "shop.test"), (":path", "http://internal.test/admin")])
        let connect = client.request([(":method", "CONNECT"), (":authority", "internal.test:443")])
        let star = client.request([(":method", "OPTIONS"), (":scheme", "https"), (":authority", "shop.test"), (":path", "*")])
        let events = converse(client, server)
        for stream in [foreign, absolute, connect] {
            #expect(events.contains(.refused(streamID: stream, status: 400)) || Self.closed(events, stream) == NGHTTP2Codes.protocolError,
                    "stream \(stream)")
            #expect(!Self.requests(events).contains { $0.streamID == stream })
        }
        #expect(Self.requests(events).map(\.streamID) == [star])
    }

    /// A response for a stream the client already closed is refused, and no body queues up.
    @Test func noResponseOnAClosedStream() throws {
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        let stream = client.request(Self.get)
        converse(client, server)
        client.reset(stream)
        converse(client, server)
        #expect(server.respond(streamID: stream, status: 200, fields: [], endStream: false) != nil)
        [UInt8](repeating: 0, count: 1000).withUnsafeBytes { server.sendData(streamID: stream, $0, endStream: false) }
        #expect(server.queuedBytes(streamID: stream) == 0)
    }

    /// Trailers past the header-list limit end the stream (ENHANCE_YOUR_CALM): its request
    /// was already passed on, so no status can answer them.
    @Test func oversizedTrailersResetTheStream() throws {
        let server = try HTTP2ServerSession()
        var bytes = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + Frames.settings()
        bytes += Frames.frame(type: 1, flags: 0x4, stream: 1, payload: Frames.getHead)
        bytes += Frames.frame(type: 0, flags: 0, stream: 1, payload: Array("abc".utf8))
        // Trailers: 20 literal fields of 2,000 bytes (40 KB against the 32 KB limit), as a
        // HEADERS frame and CONTINUATIONs of 16,000 bytes (frames are at most 16,384).
        var block: [UInt8] = []
        for index in 0..<20 {
            let name = Array("x-t\(index)".utf8)
            block += [0x00, UInt8(name.count)] + name + [0x7F, 0xD1, 0x0E] + [UInt8](repeating: 0x7A, count: 2_000)
        }
        let pieces = stride(from: 0, to: block.count, by: 16_000).map { Array(block[$0..<min($0 + 16_000, block.count)]) }
        for (index, piece) in pieces.enumerated() {
            let last = index == pieces.count - 1
            bytes += Frames.frame(type: index == 0 ? 1 : 9, flags: (index == 0 ? 0x1 : 0) | (last ? 0x4 : 0), stream: 1, payload: piece)
        }
        #expect(bytes.withUnsafeBytes { server.receive($0) } == nil)
        let output = serverOutput(server)
        let events = server.takeEvents()
        #expect(Self.requests(events).map(\.streamID) == [1])
        #expect(!events.contains { if case .trailers = $0 { true } else { false } })
        #expect(!events.contains { if case .refused = $0 { true } else { false } })
        #expect(Frames.resets(output) == [1: 11], "\(events)")
    }

    /// A refused request's body is dropped and its bytes given back to the connection's
    /// window: another stream's body still gets through whole.
    @Test func aRefusedRequestsBodyDoesNotHoldTheConnection() throws {
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        let refused = client.request([(":method", "POST"), (":scheme", "http"), (":authority", "a.test"), (":path", "/"), ("host", "b.test")],
                                     body: [UInt8](repeating: 1, count: 60_000))
        var events = converse(client, server)
        #expect(events.contains(.refused(streamID: refused, status: 400)))
        #expect(!events.contains { if case .data(refused, _) = $0 { true } else { false } })
        let next = client.request([(":method", "POST"), (":scheme", "http"), (":authority", "a.test"), (":path", "/")],
                                  body: [UInt8](repeating: 2, count: 60_000))
        var received = 0
        for _ in 0..<20 {
            events = converse(client, server)
            let chunk = events.reduce(0) { if case .data(next, let bytes) = $1 { $0 + bytes.count } else { $0 } }
            received += chunk
            server.consumed(streamID: next, count: chunk)
            if events.contains(.endOfRequest(streamID: next)) { break }
        }
        #expect(received == 60_000)
    }

    /// Rapid reset (CVE-2023-44487): requests opened and reset at once, past the budget of
    /// 1,000, end the connection with GOAWAY (libnghttp2 sends INTERNAL_ERROR, 2); within
    /// it they do not.
    @Test func rapidResetEndsTheConnection() throws {
        func attack(_ count: Int) throws -> (HTTP2Error?, [UInt8]) {
            let server = try HTTP2ServerSession()
            var bytes = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + Frames.settings()
            for index in 0..<count {
                let stream = UInt32(2 * index + 1)
                bytes += Frames.frame(type: 1, flags: 0x4, stream: stream, payload: Frames.getHead)
                bytes += Frames.frame(type: 3, flags: 0, stream: stream, payload: [0, 0, 0, 8])
            }
            let failure = bytes.withUnsafeBytes { server.receive($0) }
            _ = server.takeEvents()
            return (failure, serverOutput(server))
        }
        let (calm, quiet) = try attack(500)
        #expect(calm == nil && Frames.goaway(quiet) == nil)
        let (failure, output) = try attack(1_500)
        #expect(failure == nil && Frames.goaway(output) == 2, "GOAWAY(INTERNAL_ERROR) after the budget")
    }

    /// CONTINUATION flood: a HEADERS frame followed by more CONTINUATION frames than the
    /// limit is a connection error (libnghttp2 stops at once; the worker closes), and no
    /// request comes of it.
    @Test func continuationFloodEndsTheConnection() throws {
        let server = try HTTP2ServerSession()
        var bytes = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + Frames.settings()
        // HEADERS on stream 1 without END_HEADERS: :method GET, :scheme http, :path / (indexed).
        bytes += Frames.frame(type: 1, flags: 0, stream: 1, payload: [0x82, 0x86, 0x84])
        for index in 0..<20 {
            let name = Array("x\(index)".utf8)
            bytes += Frames.frame(type: 9, flags: 0, stream: 1, payload: [0x00, UInt8(name.count)] + name + [0x01, 0x79])
        }
        let failure = bytes.withUnsafeBytes { server.receive($0) }
        #expect(failure != nil)
        #expect(Self.requests(server.takeEvents()).isEmpty)
    }

    @Test func aBadPrefaceIsAConnectionError() throws {
        let server = try HTTP2ServerSession()
        let failure = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8).withUnsafeBytes { server.receive($0) }
        #expect(failure != nil)
    }

    /// A graceful GOAWAY names the last stream taken; streams in flight still finish.
    @Test func goAwayLetsStreamsInFlightFinish() throws {
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        let stream = client.request(Self.get)
        converse(client, server)
        server.goAway()
        _ = server.respond(streamID: stream, status: 204, fields: [], endStream: true)
        converse(client, server)
        #expect(client.goaway?.lastStreamID == stream && client.goaway?.errorCode == 0)
        #expect(client.responses[stream]?.status == 204 && client.responses[stream]?.closedWith == 0)
    }
}

enum NGHTTP2Codes {
    static let protocolError: UInt32 = 1
}

/// Raw frames for what a conforming client library will not send.
enum Frames {
    static func frame(type: UInt8, flags: UInt8, stream: UInt32, payload: [UInt8]) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags,
                UInt8(stream >> 24 & 0x7F), UInt8(stream >> 16 & 0xFF), UInt8(stream >> 8 & 0xFF), UInt8(stream & 0xFF)] + payload
    }

    static func settings() -> [UInt8] { frame(type: 4, flags: 0, stream: 0, payload: []) }

    /// A request head block: :method GET, :scheme http, :path / (indexed) and :authority
    /// a.test (a literal that is not indexed, so every use is alike).
    static let getHead: [UInt8] = [0x82, 0x86, 0x84, 0x01, 0x06] + Array("a.test".utf8)

    /// The frames among `bytes` as (type, stream, payload).
    static func parse(_ bytes: [UInt8]) -> [(type: UInt8, stream: UInt32, payload: ArraySlice<UInt8>)] {
        var frames: [(UInt8, UInt32, ArraySlice<UInt8>)] = []
        var offset = 0
        while offset + 9 <= bytes.count {
            let length = Int(bytes[offset]) << 16 | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2])
            guard offset + 9 + length <= bytes.count else { break }
            let stream = UInt32(bytes[offset + 5] & 0x7F) << 24 | UInt32(bytes[offset + 6]) << 16 | UInt32(bytes[offset + 7]) << 8 | UInt32(bytes[offset + 8])
            frames.append((bytes[offset + 3], stream, bytes[(offset + 9)..<(offset + 9 + length)]))
            offset += 9 + length
        }
        return frames
    }

    static func word(_ bytes: ArraySlice<UInt8>, at offset: Int) -> UInt32 {
        let start = bytes.startIndex + offset
        return UInt32(bytes[start]) << 24 | UInt32(bytes[start + 1]) << 16 | UInt32(bytes[start + 2]) << 8 | UInt32(bytes[start + 3])
    }

    /// The error code of the first GOAWAY frame (type 7) among `bytes`.
    static func goaway(_ bytes: [UInt8]) -> UInt32? {
        parse(bytes).first { $0.type == 7 }.map { word($0.payload, at: 4) }
    }

    /// RST_STREAM frames (type 3) among `bytes`: stream to error code.
    static func resets(_ bytes: [UInt8]) -> [UInt32: UInt32] {
        var resets: [UInt32: UInt32] = [:]
        for frame in parse(bytes) where frame.type == 3 { resets[frame.stream] = word(frame.payload, at: 0) }
        return resets
    }
}

/// An upstream's HTTP/1.1 response head, as the HTTP/2 client gets it.
@Suite struct HTTP2ResponseFieldsTests {
    @Test func connectionSpecificFieldsStayBehind() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\n"
            + "Transfer-Encoding: chunked\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n"
        let bytes = Array(text.utf8)
        var parser = ResponseHeadParser()
        var head = ResponseHead()
        #expect(bytes.withUnsafeBytes { parser.parse($0, requestMethod: .get, into: &head) } == .complete)
        let block = bytes.withUnsafeBytes { HTTP2ResponseFields.block(of: head, in: $0, status: head.status) }
        #expect(block.fields == [HTTP2Field(":status", "200"), HTTP2Field("content-type", "text/html"), HTTP2Field("set-cookie", "a=1"),
                                 HTTP2Field("set-cookie", "b=2")])

        // They go out as a real client reads them.
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        let stream = client.request(HTTP2ServerSessionTests.get)
        converse(client, server)
        #expect(server.respond(streamID: stream, head: block, endStream: true) == nil)
        converse(client, server)
        #expect(client.responses[stream]?.fields.map { "\($0.0): \($0.1)" } == ["content-type: text/html", "set-cookie: a=1", "set-cookie: b=2"])
    }
}
