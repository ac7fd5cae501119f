import Foundation
import Testing

/// A real browser (headless Chromium) loads a page and its scripts and styles over HTTPS:
/// it negotiates h2 by ALPN, and everything it fetched is in the access log as HTTP/2.0.
@Suite struct HTTP2BrowserTests {
    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test(.timeLimit(.endToEnd(3))) func chromiumLoadsAPageOverH2() async throws {
        let browser = try #require(Self.chromium, "chromium is not installed (scripts/setup.sh installs it)")
        try await withScenario { s in
            let certificates = try await TLSTestCertificates.shared()
            let port = try s.port()
            try s.dir.write("site/index.html", """
            <!doctype html><html><head><link rel="stylesheet" href="/style.css"><script src="/one.js"></script>
            <script src="/two.js"></script></head><body><p id="out">not run</p>
            <script>document.getElementById("out").textContent = "loaded " + window.one + " " + window.two;</script></body></html>
            """)
            try s.dir.write("site/style.css", "body { color: #123456; }\n")
            try s.dir.write("site/one.js", "window.one = 'first';\n")
            try s.dir.write("site/two.js", "window.two = 'second';\n")
            _ = try await s.apus("""
            workers: 1
            listeners:
              - { name: https, listen: 127.0.0.1:\(port), tls: { certificates: [{ cert: \(certificates.app.cert), key: \(certificates.app.key) }] } }
            routes:
              - paths: [{ path: /, type: Prefix, static: { root: \(s.dir.file("site")), index: index.html } }]
            access_log: { format: json, path: access.log }
            """, waitFor: [port])
            let output = try await Tool.run(browser, [
                "--headless", "--no-sandbox", "--disable-gpu", "--ignore-certificate-errors", "--user-data-dir=\(s.dir.file("profile"))",
                "--dump-dom", "https://localhost:\(port)/",
            ], in: s.dir, timeout: .seconds(90))
            #expect(output.stdout.contains("loaded first second"), "\(output.stdout.suffix(600)) \(output.stderr.suffix(600))")
            var entries: [[String: Any]] = []
            _ = await eventually(timeout: .seconds(3)) {
                entries = s.dir.read("access.log").split(separator: "\n").compactMap {
                    (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
                }
                return entries.count >= 4
            }
            let fetched = Set(entries.filter { ($0["protocol"] as? String) == "HTTP/2.0" }.compactMap { $0["path"] as? String })
            #expect(fetched.isSuperset(of: ["/", "/style.css", "/one.js", "/two.js"]), "\(entries)")
        }
    }
}
