import ApusCore
import Testing

/// `--hsts VALUE`: the Strict-Transport-Security value an operator writes.
@Suite struct HSTSHeaderValueTests {
    @Test func readsWhatRFC6797Writes() throws {
        let cases: [(String, HSTSConfig)] = [
            ("max-age=31536000; includeSubDomains", HSTSConfig(maxAgeSeconds: 31_536_000, includeSubdomains: true)),
            ("max-age=0", HSTSConfig(maxAgeSeconds: 0)),
            ("max-age=600; includeSubDomains;", HSTSConfig(maxAgeSeconds: 600, includeSubdomains: true)),
            (";;max-age=600", HSTSConfig(maxAgeSeconds: 600)),
            ("  MAX-AGE = \"600\" ;preload;includesubdomains ", HSTSConfig(maxAgeSeconds: 600, includeSubdomains: true, preload: true)),
        ]
        for (text, expected) in cases {
            let parsed = try HSTSConfig.parse(headerValue: text).get()
            #expect(parsed == expected, "\(text)")
            #expect(try HSTSConfig.parse(headerValue: parsed.headerValue).get() == parsed, "round trip of \(text)")
        }
    }

    @Test func refusesWithTheReason() {
        let cases: [(String, String)] = [
            ("", "max-age is missing"),
            (" ; ", "max-age is missing"),
            ("includeSubDomains", "max-age is missing"),
            ("max-age=-1", "max-age '-1' is not a number of seconds"),
            ("max-age=99999999999999999999999", "is not a number of seconds"),
            ("max-age", "max-age needs a number of seconds"),
            ("max-age=1; max-age=2", "'max-age' appears twice"),
            ("max-age=1; preload=yes", "preload takes no value"),
            ("max-age=1; includeSubdomain", "unknown directive 'includeSubdomain'"),
            ("on", "unknown directive 'on'"),
        ]
        for (text, reason) in cases {
            guard case .failure(let error) = HSTSConfig.parse(headerValue: text) else {
                Issue.record("accepted '\(text)'")
                continue
            }
            #expect(error.message.hasPrefix("'\(text)' is not a Strict-Transport-Security value: ") && error.message.contains(reason), "\(error.message)")
        }
    }
}
