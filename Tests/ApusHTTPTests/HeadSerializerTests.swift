import Testing
@testable import ApusHTTP

/// The heads the proxy writes upstream and downstream.
struct HeadSerializerTests {
    static let context = ForwardingContext(
        clientAddress: Array("203.0.113.7".utf8), scheme: Array("https".utf8), port: Array("443".utf8),
        generatedRequestID: (0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210), forwardUpgrade: false)

    static func upstream(_ text: String, context: ForwardingContext = context, target: String? = nil) -> String {
        let bytes = Array(text.utf8)
        var parser = RequestHeadParser()
        var head = RequestHead()
        var out = HeadBuffer()
        bytes.withUnsafeBytes { raw in
            #expect(parser.parse(raw, into: &head) == .complete)
            if let target {
                Array(target.utf8).withUnsafeBytes {
                    HeadSerializer.writeUpstreamRequest(head, bytes: raw, targetOverride: $0, context: context, into: &out)
                }
            } else {
                HeadSerializer.writeUpstreamRequest(head, bytes: raw, targetOverride: nil, context: context, into: &out)
            }
        }
        return String(decoding: out.bytes, as: UTF8.self)
    }

    static let forwarded = "X-Forwarded-Proto: https\r\n"

    /// Upstream requests drop hop-by-hop fields and carry the forwarding fields.
    @Test(arguments: [
        ("GET /p?q HTTP/1.1\r\nHost: a.com\r\nAccept: */*\r\n\r\n",
         "GET /p?q HTTP/1.1\r\nHost: a.com\r\nAccept: */*\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: a.com\r\nX-Forwarded-Port: 443\r\nX-Real-IP: 203.0.113.7\r\nX-Request-ID: 0123456789abcdeffedcba9876543210\r\n\r\n"),
        ("POST / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive, X-Hop\r\nKeep-Alive: 5\r\nX-Hop: 1\r\nProxy-Connection: x\r\nTE: trailers\r\nTrailer: X\r\nUpgrade: h2c\r\nContent-Length: 3\r\nX-Forwarded-For: 10.0.0.1\r\nX-Real-IP: 1.1.1.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: evil\r\nX-Forwarded-Port: 1\r\nX-Request-ID: abc\r\n\r\n",
         "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nX-Request-ID: abc\r\nX-Forwarded-For: 10.0.0.1, 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: a\r\nX-Forwarded-Port: 443\r\nX-Real-IP: 203.0.113.7\r\n\r\n"),
        ("POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nX-Request-ID: r1\r\n\r\n",
         "POST /c HTTP/1.1\r\nHost: a\r\nX-Request-ID: r1\r\nTransfer-Encoding: chunked\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: a\r\nX-Forwarded-Port: 443\r\nX-Real-IP: 203.0.113.7\r\n\r\n"),
        // The empty lines a client may send before the request line are not forwarded.
        ("\r\n\r\nGET /e HTTP/1.1\r\nHost: a\r\nX-Request-ID: r\r\n\r\n",
         "GET /e HTTP/1.1\r\nHost: a\r\nX-Request-ID: r\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: a\r\nX-Forwarded-Port: 443\r\nX-Real-IP: 203.0.113.7\r\n\r\n"),
        ("GET http://b.org:8080?x HTTP/1.1\r\nHost: ignored\r\nX-Request-ID: r\r\n\r\n",
         "GET /?x HTTP/1.1\r\nHost: b.org:8080\r\nX-Request-ID: r\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: b.org:8080\r\nX-Forwarded-Port: 443\r\nX-Real-IP: 203.0.113.7\r\n\r\n"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2\r\nX-Request-ID: r\r\n\r\n",
         "GET / HTTP/1.1\r\nHost: a\r\nX-Request-ID: r\r\nX-Forwarded-For: 1.1.1.1, 2.2.2.2, 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: a\r\nX-Forwarded-Port: 443\r\nX-Real-IP: 203.0.113.7\r\n\r\n"),
        // Fuzz finding: HTTP/1.0 without Host must still send HTTP/1.1 with a Host field.
        ("GET / HTTP/1.0\r\nX-Request-ID: r\r\n\r\n",
         "GET / HTTP/1.1\r\nHost: \r\nX-Request-ID: r\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Port: 443\r\nX-Real-IP: 203.0.113.7\r\n\r\n"),
        // Connection naming a framing field must not drop the framing.
        ("POST / HTTP/1.1\r\nHost: a\r\nConnection: Content-Length, Host\r\nContent-Length: 2\r\nX-Request-ID: r\r\n\r\n",
         "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nX-Request-ID: r\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: a\r\nX-Forwarded-Port: 443\r\nX-Real-IP: 203.0.113.7\r\n\r\n"),
        // A list of identical lengths, or the field twice, goes out as one number (RFC 9110 §8.6):
        // an upstream that reads only the first value, or refuses lists, sees what we framed.
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\nX-Request-ID: r\r\nContent-Length: 5\r\n\r\n",
         "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX-Request-ID: r\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: a\r\nX-Forwarded-Port: 443\r\nX-Real-IP: 203.0.113.7\r\n\r\n"),
    ])
    func writesUpstreamRequest(_ input: String, _ expected: String) {
        #expect(Self.upstream(input) == expected)
    }

    /// With forwardUpgrade, Upgrade is kept and `Connection: upgrade` written; a target override replaces the target.
    @Test func forwardsUpgradeAndOverride() {
        var context = Self.context
        context.forwardUpgrade = true
        let got = Self.upstream("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Request-ID: r\r\n\r\n",
                                context: context, target: "/rewritten")
        #expect(got == "GET /rewritten HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nX-Request-ID: r\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: a\r\nX-Forwarded-Port: 443\r\nX-Real-IP: 203.0.113.7\r\nConnection: upgrade\r\n\r\n")
    }

    /// Writing appends to `out` in place when its capacity suffices, and emptying keeps
    /// the storage for the next head.
    @Test func appendsWithoutReallocating() {
        let bytes = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        var parser = RequestHeadParser()
        var head = RequestHead()
        var out = HeadBuffer()
        out.append("prefix")
        out.reserveCapacity(1_024)
        let before = out.start
        bytes.withUnsafeBytes { raw in
            _ = parser.parse(raw, into: &head)
            HeadSerializer.writeUpstreamRequest(head, bytes: raw, targetOverride: nil, context: Self.context, into: &out)
        }
        #expect(out.start == before)
        #expect(out.bytes.starts(with: Array("prefixGET / HTTP/1.1\r\n".utf8)))
        out.removeAll()
        #expect(out.isEmpty && out.start == before)
        out.append(contentsOf: Array(repeating: UInt8(ascii: "x"), count: 5_000))
        #expect(out.count == 5_000 && out.bytes.allSatisfy { $0 == UInt8(ascii: "x") })
    }

    static func downstream(_ text: String, method: HTTPMethod = .get, framing: HeadSerializer.DownstreamFraming,
                           keepAlive: Bool = true, version: HTTPVersion = .http11) -> String {
        let bytes = Array(text.utf8)
        var parser = ResponseHeadParser()
        var head = ResponseHead()
        var out = HeadBuffer()
        bytes.withUnsafeBytes { raw in
            #expect(parser.parse(raw, requestMethod: method, into: &head) == .complete)
            HeadSerializer.writeDownstreamResponse(head, bytes: raw, framing: framing, keepAlive: keepAlive,
                                                   downstreamVersion: version, into: &out)
        }
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// Downstream responses: hop-by-hop and framing fields replaced by the chosen framing and Connection.
    @Test func writesDownstreamResponse() {
        let upstream = "HTTP/1.0 200 Fine\r\nContent-Type: text/plain\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\nUpgrade: h2\r\n\r\n"
        #expect(Self.downstream(upstream, framing: .chunked)
                == "HTTP/1.1 200 Fine\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(Self.downstream("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", framing: .contentLength(12), keepAlive: false)
                == "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\n")
        #expect(Self.downstream("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", framing: .contentLength(12), version: .http10)
                == "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: keep-alive\r\n\r\n")
        #expect(Self.downstream("HTTP/1.1 200 OK\r\nX: y\r\n\r\n", framing: .untilClose, keepAlive: false, version: .http10)
                == "HTTP/1.1 200 OK\r\nX: y\r\nConnection: close\r\n\r\n")
        #expect(Self.downstream("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: k\r\n\r\n", framing: .none)
                == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: k\r\nConnection: upgrade\r\n\r\n")
        #expect(Self.downstream("HTTP/1.1 204 No Content\r\n\r\n", framing: .none)
                == "HTTP/1.1 204 No Content\r\n\r\n")
        #expect(Self.downstream("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", framing: .none)
                == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        #expect(Self.downstream("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", method: .head, framing: .none)
                == "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n")
        #expect(Self.downstream("HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n", framing: .none)
                == "HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n")
        #expect(Self.downstream("HTTP/1.1 404 \r\nContent-Length: 9223372036854775\r\n\r\n", framing: .contentLength(9_223_372_036_854_775))
                == "HTTP/1.1 404 \r\nContent-Length: 9223372036854775\r\n\r\n")
    }
}
