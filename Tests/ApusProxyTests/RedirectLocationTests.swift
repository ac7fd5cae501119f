import ApusCore
import ApusHTTP
@testable import ApusProxy
import Testing

/// The Locations Apus writes itself, from heads parsed as a worker parses them.
@Suite struct RedirectLocationTests {
    static func withHead<R>(_ text: String, _ body: (RequestHead, UnsafeRawBufferPointer) -> R) -> R {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { raw in
            var parser = RequestHeadParser()
            var head = RequestHead()
            guard case .complete = parser.parse(raw, into: &head) else { fatalError("the test head does not parse") }
            return body(head, raw)
        }
    }

    /// ingress-nginx drops a final `/` of the target unless preserve-trailing-slash; Apus
    /// keeps it unless told to drop it.
    @Test func trailingSlashOnTheRedirectToHTTPS() {
        let host = Array("app.test".utf8)
        for (target, strips, expected) in [("/app/", false, "https://app.test/app/"), ("/app/", true, "https://app.test/app"),
                                           ("/", true, "https://app.test"), ("/app/?q=1", true, "https://app.test/app/?q=1")] {
            let location = Self.withHead("GET \(target) HTTP/1.1\r\nHost: app.test\r\n\r\n") { head, raw in
                host.withUnsafeBytes { RedirectLocation.https(CompiledHTTPSRedirect(status: 308, port: nil, stripsTrailingSlash: strips), head: head, bytes: raw, host: $0) }
            }
            #expect(location == expected, "\(target) strips=\(strips)")
        }
    }

    @Test func wholeURLWithVariables() {
        let host = Array("app.test".utf8)
        let location = Self.withHead("GET /a/b?x=1 HTTP/1.1\r\nHost: App.Test:8080\r\n\r\n") { head, raw in
            host.withUnsafeBytes {
                RedirectLocation.of(RedirectConfig(status: 301, url: "$scheme://new.test$request_uri|$uri|$args|$host|$http_host"),
                                    head: head, bytes: raw, listenerScheme: Array("https".utf8), host: $0)
            }
        }
        #expect(location == "https://new.test/a/b?x=1|/a/b|x=1|app.test|App.Test:8080")
    }
}
