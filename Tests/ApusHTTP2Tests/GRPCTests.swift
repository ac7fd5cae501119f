import Testing
@testable import ApusHTTP2

/// What Apus reads and writes of gRPC itself: `grpc-timeout`, and the trailers-only
/// answer when it cannot complete a call.
@Suite struct GRPCTests {
    @Test func timeoutsInEveryUnit() {
        let cases: [(String, UInt64?)] = [
            ("1H", 3_600_000), ("2M", 120_000), ("30S", 30_000), ("250m", 250), ("1500u", 2), ("1u", 1), ("1000000n", 1), ("1n", 1),
            ("99999999H", 99_999_999 * 3_600_000), ("0m", 0),
            ("", nil), ("m", nil), ("123456789S", nil), ("10", nil), ("10s", nil), ("-1S", nil), (" 1S", nil), ("1.5S", nil), ("1SS", nil),
        ]
        for (text, expected) in cases {
            #expect(GRPCTimeout.milliseconds(Array(text.utf8)) == expected, "\(text)")
        }
    }

    /// A call is told by its content type (gRPC-Web is not one); its timeout is read from
    /// `grpc-timeout`, a zero one counting as a millisecond.
    @Test func callsAreRecognised() {
        func head(_ fields: [(String, String)]) -> HTTP2RequestHead {
            var head = HTTP2RequestHead(streamID: 1)
            head.fields = fields.map { HTTP2Field($0.0, $0.1) }
            return head
        }
        #expect(head([("content-type", "application/grpc")]).isGRPC)
        #expect(head([("content-type", "application/grpc+proto")]).isGRPC)
        #expect(head([("content-type", "Application/GRPC; charset=x")]).isGRPC)
        #expect(!head([("content-type", "application/grpc-web")]).isGRPC)
        #expect(!head([("content-type", "application/json")]).isGRPC)
        #expect(!head([]).isGRPC)
        #expect(head([("grpc-timeout", "250m")]).grpcTimeoutMilliseconds == 250)
        #expect(head([("grpc-timeout", "0n")]).grpcTimeoutMilliseconds == 1)
        #expect(head([("grpc-timeout", "soon")]).grpcTimeoutMilliseconds == nil)
        #expect(head([]).grpcTimeoutMilliseconds == nil)
    }

    @Test func proxyAnswersMapToGRPCStatuses() {
        #expect(GRPCStatus.forProxyAnswer(httpStatus: 503, timedOut: false) == .unavailable)
        #expect(GRPCStatus.forProxyAnswer(httpStatus: 502, timedOut: false) == .unavailable)
        #expect(GRPCStatus.forProxyAnswer(httpStatus: 504, timedOut: true) == .deadlineExceeded)
        #expect(GRPCStatus.forProxyAnswer(httpStatus: 404, timedOut: false) == .unimplemented)
        #expect(GRPCStatus.forProxyAnswer(httpStatus: 403, timedOut: false) == .permissionDenied)
        #expect(GRPCStatus.forProxyAnswer(httpStatus: 401, timedOut: false) == .unauthenticated)
        #expect(GRPCStatus.forProxyAnswer(httpStatus: 413, timedOut: false) == .unknown)
    }

    /// A trailers-only answer reaches a real client as one HEADERS frame that ends the
    /// stream, with the message percent-encoded.
    @Test func trailersOnlyAnswer() throws {
        let server = try HTTP2ServerSession()
        let client = HTTP2TestClient()
        let stream = client.request([(":method", "POST"), (":scheme", "http"), (":authority", "grpc.test"), (":path", "/pkg.Service/Call"),
                                     ("content-type", "application/grpc"), ("te", "trailers")], body: [0, 0, 0, 0, 0])
        converse(client, server)
        let fields = GRPCStatus.unavailable.trailersOnlyFields(message: "no endpoint: 100% down\n")
        #expect(server.respond(streamID: stream, status: 200, fields: fields, endStream: true) == nil)
        converse(client, server)
        let response = try #require(client.responses[stream])
        #expect(response.status == 200 && response.body.isEmpty && response.closedWith == 0)
        #expect(response.fields.map { "\($0.0): \($0.1)" }
                == ["content-type: application/grpc", "grpc-status: 14", "grpc-message: no endpoint: 100%25 down%0A"])
    }
}
