import Foundation
import Testing

/// Compression under TLS: compressed chunks go out as TLS records (a short TLS write does not mean
/// the socket is full), proxied and static, byte-identical after curl decodes them.
@Suite struct GzipOverTLSTests {
    /// Multi-MiB proxied (Content-Length and chunked) and static responses over HTTPS decompress to the exact bytes.
    @Test(.timeLimit(.endToEnd(3))) func compressedOverTLS() async throws {
        try await withScenario(slots: 2) { s in
            let certificates = try await TLSTestCertificates.shared()
            let backend = try await s.backend("gztls")
            try s.dir.write("www/big.txt", Data(BackendScript.pattern(5 << 20)))
            let port = try s.port()
            _ = try await s.apus("""
            workers: 1
            listeners:
              - name: https
                listen: 127.0.0.1:\(port)
                tls:
                  certificates: [{ cert: \(certificates.app.cert), key: \(certificates.app.key) }]
            routes:
              - paths:
                  - { path: /, type: Prefix, upstream: app }
                  - { path: /static, type: Prefix, static: { root: . } }
            upstreams:
              app: { endpoints: [\(backend.endpoint)] }
            """, waitFor: [port])
            let base = "https://localhost:\(port)"
            let cases: [(path: String, sha: String)] = [
                ("/gz?n=8388608&kind=noise", try await GzipCompressionTests.expectedSHA(backend, n: 8 << 20, kind: "noise")),
                ("/gz?n=4194304&frame=chunked", try await GzipCompressionTests.expectedSHA(backend, n: 4 << 20, kind: "pattern")),
            ]
            try FileManager.default.createDirectory(atPath: s.dir.file("static"), withIntermediateDirectories: true)
            try FileManager.default.moveItem(atPath: s.dir.file("www/big.txt"), toPath: s.dir.file("static/big.txt"))
            let staticSHA = try await sha256(ofFile: s.dir.file("static/big.txt"))
            for c in cases + [("/static/big.txt", staticSHA)] {
                let file = s.dir.file("download.bin")
                let r = try await Curl.run(["--cacert", certificates.ca, "--compressed", base + c.path], in: s.dir, outputPath: file)
                #expect(r.status == 200 && r.exitCode == 0, "\(c.path): \(r)")
                #expect(r.header("Content-Encoding") == "gzip", "\(c.path)")
                #expect(try await sha256(ofFile: file) == c.sha, "\(c.path)")
                try FileManager.default.removeItem(atPath: file)
            }
        }
    }
}
