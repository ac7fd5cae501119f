import ApusHTTP
import Testing
@testable import ApusHTTP2

/// The client session (upstreams over HTTP/2) against the server session: a request with a
/// body and trailers and its response both ways, the upstream's stream limit, GOAWAY, and
/// the HTTP/1.1 head turned into HTTP/2 fields.
@Suite struct HTTP2ClientSessionTests {
    /// Both sessions talk until neither has anything to say.
    @discardableResult
    static func converse(_ client: HTTP2ClientSession, _ server: HTTP2ServerSession) -> (client: [HTTP2ResponseEvent], server: [HTTP2Event]) {
        var clientEvents: [HTTP2ResponseEvent] = []
        var serverEvents: [HTTP2Event] = []
        for _ in 0..<64 {
            var up: [UInt8] = []
            while case .success(let bytes) = client.nextOutput() { up += bytes }
            if !up.isEmpty { _ = up.withUnsafeBytes { server.receive($0) } }
            serverEvents += server.takeEvents()
            let down = serverOutput(server)
            if !down.isEmpty { _ = down.withUnsafeBytes { client.receive($0) } }
            clientEvents += client.takeEvents()
            if up.isEmpty && down.isEmpty { break }
        }
        return (clientEvents, serverEvents)
    }

    static func fields(_ pairs: [(String, String)]) -> [HTTP2Field] { pairs.map { HTTP2Field($0.0, $0.1) } }

    @Test func aCallWithBodiesAndTrailersBothWays() throws {
        let server = try HTTP2ServerSession()
        let client = try HTTP2ClientSession()
        let request = Self.fields([(":method", "POST"), (":scheme", "http"), (":authority", "grpc.test"), (":path", "/pkg.S/Call"),
                                   ("content-type", "application/grpc"), ("te", "trailers")])
        let stream = try client.request(request, endStream: false).get()
        Array("ping".utf8).withUnsafeBytes { client.sendData(streamID: stream, $0, endStream: true, trailers: [HTTP2Field("x-sum", "4")]) }
        let (_, received) = Self.converse(client, server)
        let head = try #require(received.compactMap { if case .request(let head) = $0 { head } else { nil } }.first)
        #expect(head.path == Array("/pkg.S/Call".utf8) && !head.endStream && head.fields == Self.fields([("content-type", "application/grpc"), ("te", "trailers")]))
        #expect(received.contains(.data(streamID: stream, bytes: Array("ping".utf8))))
        #expect(received.contains(.trailers(streamID: stream, fields: [HTTP2Field("x-sum", "4")])))
        #expect(received.contains(.endOfRequest(streamID: stream)))

        #expect(server.respond(streamID: stream, status: 200, fields: [HTTP2Field("content-type", "application/grpc")], endStream: false) == nil)
        Array("pong".utf8).withUnsafeBytes { server.sendData(streamID: stream, $0, endStream: true, trailers: [HTTP2Field("grpc-status", "0")]) }
        let (answered, _) = Self.converse(client, server)
        #expect(answered == [
            .response(streamID: stream, status: 200, fields: HTTP2FieldBlock([HTTP2Field("content-type", "application/grpc")]), endStream: false),
            .data(streamID: stream, bytes: Array("pong".utf8)),
            .trailers(streamID: stream, fields: [HTTP2Field("grpc-status", "0")]),
            .endOfResponse(streamID: stream),
            .streamClosed(streamID: stream, errorCode: 0),
        ])
    }

    /// The upstream's SETTINGS_MAX_CONCURRENT_STREAMS is what the client may open at once;
    /// before they arrive one stream goes out and the others wait in the session.
    @Test func theUpstreamsStreamLimitIsKnown() throws {
        var settings = HTTP2Settings()
        settings.maxConcurrentStreams = 3
        let server = try HTTP2ServerSession(settings: settings)
        let client = try HTTP2ClientSession()
        #expect(client.streamLimit == 100)
        let get = Self.fields([(":method", "GET"), (":scheme", "http"), (":authority", "a"), (":path", "/")])
        for _ in 0..<5 { _ = client.request(get, endStream: true) }
        // The client's first flight (its preface and one request) reaches the server before
        // the server's SETTINGS reach the client.
        while let bytes = try client.nextOutput()?.get() { #expect(server.receive(bytes) == nil) }
        #expect(server.takeEvents().filter { if case .request = $0 { true } else { false } }.count == 1)
        let (_, requests) = Self.converse(client, server)
        #expect(client.streamLimit == 3)
        #expect(requests.filter { if case .request = $0 { true } else { false } }.count == 2)
    }

    /// A GOAWAY names the last stream the upstream took; later ones may go elsewhere.
    @Test func goAwayNamesTheLastStreamTaken() throws {
        let server = try HTTP2ServerSession()
        let client = try HTTP2ClientSession()
        let get = Self.fields([(":method", "GET"), (":scheme", "http"), (":authority", "a"), (":path", "/")])
        let first = try client.request(get, endStream: true).get()
        Self.converse(client, server)
        server.goAway()
        let (events, _) = Self.converse(client, server)
        #expect(events.contains(.goaway(lastStreamID: first, errorCode: 0)))
    }

    @Test func anHTTP11HeadBecomesHTTP2Fields() throws {
        let text = "POST /a?b HTTP/1.1\r\nHost: up.test\r\nConnection: keep-alive, x-hop\r\nX-Hop: 1\r\nTE: trailers\r\n"
            + "Content-Type: application/grpc\r\nTransfer-Encoding: chunked\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n"
        let bytes = Array(text.utf8)
        var parser = RequestHeadParser(limits: HTTPLimits())
        var head = RequestHead()
        #expect(bytes.withUnsafeBytes { parser.parse($0, into: &head) } == .complete)
        let fields = bytes.withUnsafeBytes { HTTP2RequestFields.fields(of: head, in: $0, scheme: "http") }
        #expect(fields == Self.fields([(":method", "POST"), (":scheme", "http"), (":authority", "up.test"), (":path", "/a?b"), ("te", "trailers"),
                                       ("content-type", "application/grpc"), ("x-forwarded-for", "192.0.2.1")]))
        let absolute = Array("GET http://up.test?q=1 HTTP/1.1\r\nHost: up.test\r\nTE: gzip\r\n\r\n".utf8)
        var second = RequestHeadParser(limits: HTTPLimits())
        var absoluteHead = RequestHead()
        #expect(absolute.withUnsafeBytes { second.parse($0, into: &absoluteHead) } == .complete)
        let absoluteFields = absolute.withUnsafeBytes { HTTP2RequestFields.fields(of: absoluteHead, in: $0, scheme: "https") }
        #expect(absoluteFields == Self.fields([(":method", "GET"), (":scheme", "https"), (":authority", "up.test"), (":path", "/?q=1")]))
    }
}
