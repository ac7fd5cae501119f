import Foundation
import Testing

/// Static files: index.html for directories, Content-Type by extension, ETag/Last-Modified/304,
/// Range (206/416), and no way out of the root (`..`, encoded `..`, symlinks).
@Suite struct StaticFilesTests {
    static let indexHTML = "<h1>home</h1>\n"
    static let secret = "TOP-SECRET-OUTSIDE-ROOT\n"

    /// Writes the web root beside the config: www/{index.html, style.css, app.js, data.bin, sub/index.html},
    /// a secret file outside it, and symlinks pointing out of it.
    static func start(_ s: Scenario) async throws -> Int {
        try s.dir.write("www/index.html", indexHTML)
        try s.dir.write("www/style.css", "body { color: red }\n")
        try s.dir.write("www/app.js", "console.log(1)\n")
        try s.dir.write("www/data.bin", Data((0..<1000).map { UInt8($0 % 256) }))
        try s.dir.write("www/sub/index.html", "<h1>sub</h1>\n")
        try s.dir.write("www/with space é.txt", "spaced\n")
        try FileManager.default.createDirectory(atPath: s.dir.file("www/noindex"), withIntermediateDirectories: true)
        try s.dir.write("www/noindex/listed-file.txt", "x")
        try s.dir.write("secret.txt", secret)
        try FileManager.default.createSymbolicLink(atPath: s.dir.file("www/link-out.txt"), withDestinationPath: s.dir.file("secret.txt"))
        try FileManager.default.createSymbolicLink(atPath: s.dir.file("www/dir-out"), withDestinationPath: s.dir.path)
        let port = try s.port()
        _ = try await s.apus(ApusConfig.yaml(listen: port, body: """
        routes:
          - paths:
              - { path: /, type: Prefix, static: { root: www, index: index.html } }
        """), waitFor: [port])
        return port
    }

    /// Files are served with the right body, Content-Type and Content-Length; directories serve index.html.
    @Test(.timeLimit(.endToEnd(3))) func servesFilesAndIndexes() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let cases: [(path: String, status: Int, type: String, body: String?)] = [
                ("/", 200, "text/html", Self.indexHTML),
                ("/index.html", 200, "text/html", Self.indexHTML),
                ("/style.css", 200, "text/css", "body { color: red }\n"),
                ("/app.js", 200, "javascript", "console.log(1)\n"),
                ("/sub/", 200, "text/html", "<h1>sub</h1>\n"),
                ("/data.bin", 200, "application/octet-stream", nil),
            ]
            for c in cases {
                let response = try await HTTPClient.request(port: port, path: c.path)
                #expect(response.status == c.status, "\(c.path)")
                #expect(response.header("Content-Type")?.contains(c.type) == true, "\(c.path): \(response.header("Content-Type") ?? "no Content-Type")")
                if let body = c.body { #expect(response.bodyText == body, "\(c.path)") }
                #expect(response.header("Content-Length") == String(response.body.count), "\(c.path)")
            }
            let missing = try await HTTPClient.request(port: port, path: "/missing.html")
            #expect(missing.status == 404)
            let encoded = try await HTTPClient.request(port: port, path: "/with%20space%20%C3%A9.txt")
            #expect(encoded.status == 200 && encoded.bodyText == "spaced\n", "percent-encoded name: \(encoded)")
            let noIndex = try await HTTPClient.request(port: port, path: "/noindex/")
            #expect([403, 404].contains(noIndex.status), "directory without index: \(noIndex)")
            #expect(!noIndex.bodyText.contains("listed-file"), "no directory listings")
            let head = try await HTTPClient.request(port: port, method: "HEAD", path: "/style.css")
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "20")
            #expect(head.body.isEmpty)
        }
    }

    /// ETag and Last-Modified are sent; If-None-Match and If-Modified-Since revalidate to 304 without a body.
    @Test(.timeLimit(.endToEnd(3))) func conditionalRequests() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let first = try await HTTPClient.request(port: port, path: "/style.css")
            let etag = try #require(first.header("ETag"))
            let lastModified = try #require(first.header("Last-Modified"))
            let byETag = try await HTTPClient.request(port: port, path: "/style.css", headers: [("If-None-Match", etag)])
            #expect(byETag.status == 304)
            #expect(byETag.body.isEmpty)
            #expect(byETag.header("ETag") == etag)
            let byDate = try await HTTPClient.request(port: port, path: "/style.css", headers: [("If-Modified-Since", lastModified)])
            #expect(byDate.status == 304)
            let stale = try await HTTPClient.request(port: port, path: "/style.css", headers: [("If-None-Match", "\"nope\"")])
            #expect(stale.status == 200)
            #expect(stale.bodyText == "body { color: red }\n")
        }
    }

    /// Byte ranges answer 206 with Content-Range; an unsatisfiable range answers 416.
    @Test(.timeLimit(.endToEnd(3))) func ranges() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let all = (0..<1000).map { UInt8($0 % 256) }
            let cases: [(range: String, status: Int, contentRange: String, body: [UInt8])] = [
                ("bytes=0-9", 206, "bytes 0-9/1000", Array(all[0...9])),
                ("bytes=990-", 206, "bytes 990-999/1000", Array(all[990...])),
                ("bytes=-5", 206, "bytes 995-999/1000", Array(all[995...])),
                ("bytes=500-2000", 206, "bytes 500-999/1000", Array(all[500...])),
                ("bytes=1000-", 416, "bytes */1000", []),
            ]
            for c in cases {
                let response = try await HTTPClient.request(port: port, path: "/data.bin", headers: [("Range", c.range)])
                #expect(response.status == c.status, "Range: \(c.range)")
                #expect(response.header("Content-Range") == c.contentRange, "Range: \(c.range)")
                if c.status == 206 { #expect(response.body == c.body, "Range: \(c.range)") }
            }
        }
    }

    /// Hostile validator and range values are ignored or refused, never fatal: one used to
    /// overflow the date arithmetic and take the whole process down.
    @Test(.timeLimit(.endToEnd(3))) func hostileConditionalAndRangeValues() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let cases: [(name: String, value: String, status: Int)] = [
                ("If-Modified-Since", "Sun, 06 Nov -2147483648 08:49:37 GMT", 200),
                ("If-Modified-Since", "Sun, 06 Nov 99999999999999999999 08:49:37 GMT", 200),
                ("If-Modified-Since", "Sun, 31 Feb 2026 99:99:99 GMT", 200),
                ("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT", 200),
                ("If-Modified-Since", "Fri, 31 Dec 9999 23:59:59 GMT", 304),
                ("Range", "bytes=-99999999999999999999", 206),
                ("Range", "bytes=99999999999999999999-", 416),
                ("Range", "bytes=5-99999999999999999999", 206),
                ("Range", "bytes=--5", 200),
                ("Range", "bytes=+5-9", 200),
                ("Range", "bytes=-0", 416),
            ]
            for c in cases {
                let response = try await HTTPClient.request(port: port, path: "/data.bin", headers: [(c.name, c.value)])
                #expect(response.status == c.status, "\(c.name): \(c.value)")
            }
            let ifRange = try await HTTPClient.request(port: port, path: "/data.bin", headers: [
                ("Range", "bytes=0-1"), ("If-Range", "Sun, 06 Nov -2147483648 08:49:37 GMT"),
            ])
            #expect(ifRange.status == 200, "an If-Range date that does not parse serves the whole file")
            #expect(try await HTTPClient.request(port: port, path: "/data.bin").status == 200)
        }
    }

    /// `..` (plain or percent-encoded) and symlinks never reach files outside the root: 403/404 (or 400), never the secret.
    @Test(.timeLimit(.endToEnd(3))) func noEscapeFromRoot() async throws {
        try await withScenario { s in
            let port = try await Self.start(s)
            let attacks = [
                "/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
                "/sub/..%2f..%2fsecret.txt", "/sub/%2e%2e%2f%2e%2e%2fsecret.txt", "/..%5csecret.txt",
                "/link-out.txt", "/dir-out/secret.txt", "/%2e%2e%2fsecret.txt",
            ]
            for path in attacks {
                let connection = try await RawConnection.connect(port: port)
                try await connection.send("GET \(path) HTTP/1.1\r\nHost: files.test\r\nConnection: close\r\n\r\n")
                let response = try #require(try await connection.readResponse(), "no response for \(path)")
                #expect([400, 403, 404].contains(response.status), "GET \(path) answered \(response.status)")
                #expect(!response.bodyText.contains("TOP-SECRET"), "GET \(path) leaked the file outside the root")
            }
            #expect(try await HTTPClient.request(port: port, path: "/").status == 200, "apus still serves after the attacks")
        }
    }
}
