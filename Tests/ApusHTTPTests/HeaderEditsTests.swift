import Testing
@testable import ApusHTTP

/// Route header rules applied by the serializers: received fields left out by name (any
/// case), added lines after the kept ones, generated fields replaced, framing untouched.
struct HeaderEditsTests {
    /// Serializes the upstream request for `text` with rules removing `removed` and adding `added` lines.
    static func upstream(_ text: String, removed: [String], added: String) -> String {
        let bytes = Array(text.utf8)
        var parser = RequestHeadParser()
        var head = RequestHead()
        var out = HeadBuffer()
        let names = Self.nameList(removed)
        let lines = Array(added.utf8)
        bytes.withUnsafeBytes { raw in
            #expect(parser.parse(raw, into: &head) == .complete)
            names.withUnsafeBytes { names in
                lines.withUnsafeBytes { lines in
                    HeadSerializer.writeUpstreamRequest(
                        head, bytes: raw, targetOverride: nil, context: HeadSerializerTests.context,
                        edits: HeaderEdits(removedNames: names, addedLines: lines), into: &out)
                }
            }
        }
        return String(decoding: out.bytes, as: UTF8.self)
    }

    static func downstream(_ text: String, removed: [String], added: String, framing: HeadSerializer.DownstreamFraming) -> String {
        let bytes = Array(text.utf8)
        var parser = ResponseHeadParser()
        var head = ResponseHead()
        var out = HeadBuffer()
        let names = Self.nameList(removed)
        let lines = Array(added.utf8)
        bytes.withUnsafeBytes { raw in
            #expect(parser.parse(raw, requestMethod: .get, into: &head) == .complete)
            names.withUnsafeBytes { names in
                lines.withUnsafeBytes { lines in
                    HeadSerializer.writeDownstreamResponse(
                        head, bytes: raw, framing: framing, keepAlive: true, downstreamVersion: .http11,
                        edits: HeaderEdits(removedNames: names, addedLines: lines), into: &out)
                }
            }
        }
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// Names as the compiler lays them out: each preceded by its length.
    static func nameList(_ names: [String]) -> [UInt8] {
        var bytes: [UInt8] = []
        for name in names { bytes += [UInt8(name.utf8.count)] + Array(name.utf8) }
        return bytes
    }

    static let generated = "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: a\r\nX-Forwarded-Port: 443\r\nX-Real-IP: 203.0.113.7\r\n"

    /// set (remove + line), add (line only) and remove on ordinary fields; names match in any case;
    /// repeated fields all go; a name that is a prefix of another does not match it.
    @Test func setAddRemove() {
        let got = Self.upstream(
            "GET / HTTP/1.1\r\nHost: a\r\nAUTHORIZATION: Basic old\r\nCookie: a=1\r\ncookie: b=2\r\nCookies: kept\r\nX-Keep: 1\r\nX-Request-ID: r\r\n\r\n",
            removed: ["authorization", "cookie"], added: "Authorization: Bearer new\r\nX-Extra: 1\r\n")
        #expect(got == "GET / HTTP/1.1\r\nHost: a\r\nCookies: kept\r\nX-Keep: 1\r\nX-Request-ID: r\r\n" + Self.generated
                + "Authorization: Bearer new\r\nX-Extra: 1\r\n\r\n")
    }

    /// A rule on a generated field (X-Forwarded-*, X-Real-IP, X-Request-ID) replaces or removes the
    /// generated one too; the others are still generated.
    @Test func generatedFieldsReplaced() {
        let got = Self.upstream(
            "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Request-ID: client\r\n\r\n",
            removed: ["x-forwarded-proto", "x-forwarded-for", "x-real-ip", "x-request-id"], added: "X-Forwarded-Proto: https\r\n")
        #expect(got == "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Host: a\r\nX-Forwarded-Port: 443\r\nX-Forwarded-Proto: https\r\n\r\n")
    }

    /// Setting Host replaces the received one (origin- and absolute-form); X-Forwarded-Host keeps the client's host.
    @Test func hostSet() {
        let origin = Self.upstream("GET /p HTTP/1.1\r\nHost: public.test\r\nX-Request-ID: r\r\n\r\n",
                                   removed: ["host"], added: "Host: internal.svc\r\n")
        #expect(origin == "GET /p HTTP/1.1\r\nX-Request-ID: r\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: public.test\r\nX-Forwarded-Port: 443\r\nX-Real-IP: 203.0.113.7\r\nHost: internal.svc\r\n\r\n")
        let absolute = Self.upstream("GET http://public.test/p HTTP/1.1\r\nHost: x\r\nX-Request-ID: r\r\n\r\n",
                                     removed: ["host"], added: "Host: internal.svc\r\n")
        #expect(absolute == "GET /p HTTP/1.1\r\nX-Request-ID: r\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: public.test\r\nX-Forwarded-Port: 443\r\nX-Real-IP: 203.0.113.7\r\nHost: internal.svc\r\n\r\n")
    }

    /// Framing survives even rules that name it (the compiler refuses such rules; the serializer does not rely on it).
    @Test func framingNeverRemoved() {
        let got = Self.upstream("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nX-Request-ID: r\r\n\r\n",
                                removed: ["content-length"], added: "")
        #expect(got.hasPrefix("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"))
    }

    /// Response rules: received fields removed by name, lines before the framing; framing and Connection as without rules.
    @Test func responseEdits() {
        let got = Self.downstream(
            "HTTP/1.1 200 OK\r\nServer: upstream/1.0\r\nX-Powered-By: php\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\n",
            removed: ["server", "x-powered-by", "strict-transport-security"],
            added: "Server: apus\r\nStrict-Transport-Security: max-age=60\r\n", framing: .contentLength(5))
        #expect(got == "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nServer: apus\r\nStrict-Transport-Security: max-age=60\r\nContent-Length: 5\r\n\r\n")
    }

    /// Without rules the output is byte for byte what it was before rules existed.
    @Test func emptyEditsChangeNothing() {
        let text = "GET /p?q HTTP/1.1\r\nHost: a.com\r\nAccept: */*\r\nX-Request-ID: r\r\n\r\n"
        #expect(Self.upstream(text, removed: [], added: "") == HeadSerializerTests.upstream(text))
    }

    /// Removed names are recognised once: known fields by kind, others by a case-insensitive compare.
    @Test func recognition() {
        let names = Self.nameList(["host", "x-custom", "te", "x-customs-long"])
        names.withUnsafeBytes { names in
            let edits = HeaderEdits(removedNames: names, addedLines: UnsafeRawBufferPointer(start: nil, count: 0))
            #expect(edits.removes(.host) && edits.removes(.te) && !edits.removes(.xRealIP) && !edits.removes(.other))
            let field = Array("X-CUSTOM x-custo x-customs".utf8)
            field.withUnsafeBufferPointer { p in
                #expect(edits.isRemoved(p.baseAddress!, 0, 8))
                #expect(!edits.isRemoved(p.baseAddress!, 9, 16))
                #expect(!edits.isRemoved(p.baseAddress!, 17, 26), "x-customs: longer than x-custom, shorter than x-customs-long")
                #expect(!edits.isRemoved(p.baseAddress!, 0, 0))
            }
        }
    }
}
