import Testing
@testable import ApusHTTP

/// Every request rejection rule of DESIGN.md, with the reason and status the proxy answers.
struct RejectionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var reason: HTTPParseError.Reason
        var status: Int
        var testDescription: String { name }
    }

    static let host = "Host: a\r\n"

    static let cases: [Case] = [
        // Framing and smuggling.
        Case(name: "CL and TE", input: "POST / HTTP/1.1\r\n\(host)Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
             reason: .contentLengthAndTransferEncoding, status: 400),
        Case(name: "TE and CL", input: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
             reason: .contentLengthAndTransferEncoding, status: 400),
        Case(name: "differing CL", input: "POST / HTTP/1.1\r\n\(host)Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
             reason: .conflictingContentLength, status: 400),
        Case(name: "differing CL list", input: "POST / HTTP/1.1\r\n\(host)Content-Length: 5, 6\r\n\r\n",
             reason: .invalidContentLength, status: 400),
        Case(name: "CL with sign", input: "POST / HTTP/1.1\r\n\(host)Content-Length: +5\r\n\r\n",
             reason: .invalidContentLength, status: 400),
        Case(name: "negative CL", input: "POST / HTTP/1.1\r\n\(host)Content-Length: -1\r\n\r\n",
             reason: .invalidContentLength, status: 400),
        Case(name: "empty CL", input: "POST / HTTP/1.1\r\n\(host)Content-Length:\r\n\r\n",
             reason: .invalidContentLength, status: 400),
        Case(name: "hex CL", input: "POST / HTTP/1.1\r\n\(host)Content-Length: 0x5\r\n\r\n",
             reason: .invalidContentLength, status: 400),
        Case(name: "huge CL", input: "POST / HTTP/1.1\r\n\(host)Content-Length: 9999999999999999999\r\n\r\n",
             reason: .invalidContentLength, status: 400),
        Case(name: "TE chunked, identity", input: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked, identity\r\n\r\n",
             reason: .invalidHeaderValue, status: 400),
        Case(name: "TE gzip only", input: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip\r\n\r\n",
             reason: .unsupportedTransferEncoding, status: 501),
        Case(name: "TE gzip, chunked", input: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip, chunked\r\n\r\n",
             reason: .unsupportedTransferEncoding, status: 501),
        Case(name: "duplicate chunked", input: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked, chunked\r\n\r\n",
             reason: .invalidHeaderValue, status: 400),
        Case(name: "chunked in two fields", input: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
             reason: .invalidHeaderValue, status: 400),
        Case(name: "chunked with params", input: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked;x=1\r\n\r\n",
             reason: .unsupportedTransferEncoding, status: 501),
        Case(name: "empty TE", input: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding:\r\n\r\n",
             reason: .invalidHeaderValue, status: 400),
        Case(name: "TE chunky", input: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunky\r\n\r\n",
             reason: .unsupportedTransferEncoding, status: 501),
        Case(name: "TE with obs-fold", input: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding:\r\n chunked\r\n\r\n",
             reason: .obsFold, status: 400),
        Case(name: "TE space before colon", input: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding : chunked\r\n\r\n",
             reason: .whitespaceBeforeColon, status: 400),
        Case(name: "TE tab before colon", input: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding\t: chunked\r\n\r\n",
             reason: .whitespaceBeforeColon, status: 400),
        // Field syntax.
        Case(name: "obs-fold", input: "GET / HTTP/1.1\r\n\(host)X-A: 1\r\n\t2\r\n\r\n", reason: .obsFold, status: 400),
        Case(name: "space before first field", input: "GET / HTTP/1.1\r\n Host: a\r\n\r\n", reason: .invalidHeaderName, status: 400),
        Case(name: "control char in value", input: "GET / HTTP/1.1\r\n\(host)X-A: a\u{01}b\r\n\r\n", reason: .invalidHeaderValue, status: 400),
        Case(name: "NUL in value", input: "GET / HTTP/1.1\r\n\(host)X-A: a\u{00}b\r\n\r\n", reason: .invalidHeaderValue, status: 400),
        Case(name: "DEL in value", input: "GET / HTTP/1.1\r\n\(host)X-A: a\u{7f}b\r\n\r\n", reason: .invalidHeaderValue, status: 400),
        Case(name: "bare CR in value", input: "GET / HTTP/1.1\r\n\(host)X-A: a\rb\r\n\r\n", reason: .bareCR, status: 400),
        Case(name: "bare LF ends a field", input: "GET / HTTP/1.1\r\n\(host)X-A: a\nX-B: b\r\n\r\n", reason: .bareLF, status: 400),
        Case(name: "bare LF ends the request line", input: "GET / HTTP/1.1\n\(host)\r\n", reason: .bareLF, status: 400),
        Case(name: "bare LF blank line", input: "GET / HTTP/1.1\r\n\(host)\nX: y\r\n\r\n", reason: .bareLF, status: 400),
        Case(name: "leading bare LF", input: "\nGET / HTTP/1.1\r\n\(host)\r\n", reason: .bareLF, status: 400),
        Case(name: "invalid name char", input: "GET / HTTP/1.1\r\n\(host)X(A): 1\r\n\r\n", reason: .invalidHeaderName, status: 400),
        Case(name: "empty name", input: "GET / HTTP/1.1\r\n\(host): 1\r\n\r\n", reason: .invalidHeaderName, status: 400),
        Case(name: "no colon", input: "GET / HTTP/1.1\r\n\(host)X-A\r\n\r\n", reason: .invalidHeaderName, status: 400),
        Case(name: "bad Connection token", input: "GET / HTTP/1.1\r\n\(host)Connection: a b\r\n\r\n", reason: .invalidHeaderValue, status: 400),
        // Request line.
        Case(name: "invalid method char", input: "G@T / HTTP/1.1\r\n\(host)\r\n", reason: .invalidMethod, status: 400),
        Case(name: "empty method", input: " / HTTP/1.1\r\n\(host)\r\n", reason: .invalidMethod, status: 400),
        Case(name: "two spaces", input: "GET  / HTTP/1.1\r\n\(host)\r\n", reason: .invalidTarget, status: 400),
        Case(name: "fragment in target", input: "GET /a#b HTTP/1.1\r\n\(host)\r\n", reason: .invalidTarget, status: 400),
        Case(name: "non-ASCII target", input: "GET /caf\u{e9} HTTP/1.1\r\n\(host)\r\n", reason: .invalidTarget, status: 400),
        Case(name: "relative target", input: "GET a/b HTTP/1.1\r\n\(host)\r\n", reason: .invalidTarget, status: 400),
        Case(name: "asterisk with GET", input: "GET * HTTP/1.1\r\n\(host)\r\n", reason: .invalidTarget, status: 400),
        Case(name: "CONNECT", input: "CONNECT a:443 HTTP/1.1\r\n\(host)\r\n", reason: .invalidTarget, status: 400),
        Case(name: "ftp scheme", input: "GET ftp://a/ HTTP/1.1\r\n\(host)\r\n", reason: .invalidTarget, status: 400),
        Case(name: "userinfo in authority", input: "GET http://u@a/ HTTP/1.1\r\n\(host)\r\n", reason: .invalidTarget, status: 400),
        Case(name: "empty authority", input: "GET http:///x HTTP/1.1\r\n\(host)\r\n", reason: .invalidTarget, status: 400),
        Case(name: "HTTP/2.0", input: "GET / HTTP/2.0\r\n\(host)\r\n", reason: .unsupportedVersion, status: 505),
        Case(name: "HTTP/0.9", input: "GET / HTTP/0.9\r\n\(host)\r\n", reason: .unsupportedVersion, status: 505),
        Case(name: "HTTP/1.2", input: "GET / HTTP/1.2\r\n\(host)\r\n", reason: .unsupportedVersion, status: 505),
        Case(name: "lowercase version", input: "GET / http/1.1\r\n\(host)\r\n", reason: .invalidVersion, status: 400),
        Case(name: "garbage version", input: "GET / HTTP/1.1x\r\n\(host)\r\n", reason: .invalidVersion, status: 400),
        Case(name: "no version", input: "GET /\r\n\(host)\r\n", reason: .invalidTarget, status: 400),
        Case(name: "trailing space", input: "GET / HTTP/1.1 \r\n\(host)\r\n", reason: .invalidVersion, status: 400),
        // Host.
        Case(name: "missing Host", input: "GET / HTTP/1.1\r\nX: y\r\n\r\n", reason: .missingHost, status: 400),
        Case(name: "two Hosts", input: "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", reason: .duplicateHost, status: 400),
        Case(name: "empty Host", input: "GET / HTTP/1.1\r\nHost: \r\n\r\n", reason: .invalidHost, status: 400),
        Case(name: "Host with space", input: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", reason: .invalidHost, status: 400),
        Case(name: "Host with slash", input: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", reason: .invalidHost, status: 400),
        Case(name: "Host with userinfo", input: "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", reason: .invalidHost, status: 400),
        Case(name: "Host port not numeric", input: "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", reason: .invalidHost, status: 400),
        Case(name: "Host empty port", input: "GET / HTTP/1.1\r\nHost: a:\r\n\r\n", reason: .invalidHost, status: 400),
        Case(name: "Host unclosed IPv6", input: "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", reason: .invalidHost, status: 400),
    ]

    /// Each malformed head is rejected with its reason and status, however it is split.
    @Test(arguments: cases)
    func rejects(_ c: Case) {
        let o = ParserVerifier.request(c.input)
        guard case .failed(let error) = o.result else {
            Issue.record("\(c.name): expected \(c.reason), got \(o.result)")
            return
        }
        #expect(error.reason == c.reason, "\(c.name)")
        #expect(error.status == c.status, "\(c.name)")
    }

    static let small = HTTPLimits(maxHeadBytes: 128, maxHeaderCount: 3, maxURIBytes: 32)

    /// Limits: head size (431), header count (431) and URI length (414), complete or not.
    @Test func enforcesLimits() {
        let long = String(repeating: "a", count: 40)
        let cases: [(String, HTTPParseError.Reason, Int)] = [
            ("GET /\(long) HTTP/1.1\r\n\(Self.host)\r\n", .uriTooLong, 414),
            // Still incomplete, but the request line is already longer than any valid one.
            ("GET /\(long)\(long)", .uriTooLong, 414),
            ("GET / HTTP/1.1\r\n\(Self.host)X-A: \(long)\r\nX-B: \(long)\r\nX-C: \(long)\r\n\r\n", .headTooLarge, 431),
            // Incomplete and already over the head limit.
            ("GET / HTTP/1.1\r\n\(Self.host)X-A: \(long)\r\nX-B: \(long)\r\nX-C: \(long)\r\n", .headTooLarge, 431),
            ("GET / HTTP/1.1\r\n\(Self.host)A: 1\r\nB: 2\r\nC: 3\r\n\r\n", .tooManyHeaders, 431),
            (String(repeating: "\r\n", count: 70), .headTooLarge, 431),
        ]
        for (input, reason, status) in cases {
            let o = ParserVerifier.request(input, limits: Self.small)
            guard case .failed(let error) = o.result else {
                Issue.record("expected \(reason), got \(o.result) for \(input.debugDescription)")
                continue
            }
            #expect(error.reason == reason)
            #expect(error.status == status)
        }
        // Exactly at the limits is fine.
        let atLimit = "GET /\(String(repeating: "b", count: 31)) HTTP/1.1\r\n\(Self.host)A: 1\r\nB: 2\r\n\r\n"
        #expect(ParserVerifier.request(atLimit, limits: Self.small).result == .complete)
    }
}
