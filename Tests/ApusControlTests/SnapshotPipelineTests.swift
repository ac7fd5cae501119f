import ApusControl
import ApusCore
import ApusNet
import Foundation
import Testing

/// The one build from a configuration to a published snapshot.
@Suite struct SnapshotPipelineTests {
    /// A self-signed EC certificate for `a.example.test`, made by the openssl tool.
    static func certificatePEM() throws -> (chain: String, key: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("apus-control-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                             "-subj", "/CN=a", "-addext", "subjectAltName=DNS:a.example.test",
                             "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return (try String(contentsOfFile: dir + "/cert.pem", encoding: .utf8), try String(contentsOfFile: dir + "/key.pem", encoding: .utf8))
    }

    static func https(_ certificates: [CertificateConfig]) -> ListenerConfig {
        ListenerConfig(name: "https", listen: "127.0.0.1:8443", tls: ListenerTLSConfig(certificates: certificates))
    }

    /// What the controller does per publish: the translation loads a Secret to judge it,
    /// the build's catalog then serves that same loaded certificate (parsed once).
    @Test func aSecretLoadedByTheTranslationIsNotParsedAgain() throws {
        let (chain, key) = try Self.certificatePEM()
        let loader = ServerCertificateLoader()
        let judged = try loader.load(chainPEM: chain, keyPEM: key, name: "secret demo/tls").get()
        let secret = CertificateConfig(name: "secret demo/tls", pem: CertificatePEM(certificateChain: chain, privateKey: key))
        let snapshot = SnapshotPipeline(lookup: { _ in .success([]) })
            .compile(Configuration(listeners: [Self.https([secret, secret])]), certificates: .load(loader))
        #expect(!snapshot.hasErrors, "\(snapshot.diagnostics)")
        let served = try #require(snapshot.tls.servers["127.0.0.1:8443"]).certificates
        #expect(served.count == 2 && served.allSatisfy { $0 === judged })
        #expect(loader.loadedCount == 1)
        #expect(judged.names == ["a.example.test"])
    }

    @Test func aBrokenSecretIsRememberedAsBroken() {
        let loader = ServerCertificateLoader()
        for _ in 0..<2 {
            guard case .failure(let error) = loader.load(chainPEM: "-----BEGIN CERTIFICATE-----\nnope\n", keyPEM: "", name: "secret demo/bad") else {
                Issue.record("a broken PEM loaded")
                return
            }
            #expect(error.message.contains("secret demo/bad"))
        }
        #expect(loader.loadedCount == 1)
    }

    /// Names resolved, compiled, certificates loaded; the findings of every step are in the
    /// snapshot after those of what came before the build.
    @Test func buildRunsEveryStepInOrder() throws {
        let written = Configuration(
            listeners: [Self.https([CertificateConfig(certificateFile: "/nonexistent/cert.pem", keyFile: "/nonexistent/key.pem")])],
            upstreams: [UpstreamConfig(name: "api", endpoints: [EndpointConfig(address: "api.example.test:8080"), EndpointConfig(address: "gone.example.test:80")])])
        let asked = Locked<[String]>([])
        let pipeline = SnapshotPipeline(lookup: { name in
            asked.withLock { $0.append(name) }
            return name == "api.example.test" ? .success(["10.0.0.7"]) : .failure(EndpointLookupFailure(reason: "no such name"))
        })
        let build = pipeline.build(written, findings: [.warning("parser-finding", "from the parser", at: .unknown)])
        #expect(asked.withLock { $0 }.sorted() == ["api.example.test", "gone.example.test"])
        #expect(build.resolved.upstreams[0].endpoints.map(\.address) == ["10.0.0.7:8080"])
        #expect(build.snapshot.table.upstreams[0].endpoints.map(\.host) == ["10.0.0.7"])
        let codes = build.snapshot.diagnostics.map(\.code)
        #expect(codes.first == "parser-finding")
        #expect(codes.contains("endpoint-name-unresolved"))
        #expect(codes.last == "tls-certificate")
        #expect(build.snapshot.hasErrors)
        #expect(build.snapshot.tls.servers.isEmpty)
    }

    /// A table rebuilt because only endpoint addresses or header value files changed keeps
    /// the catalog served (no file is read again, so a certificate broken meanwhile cannot
    /// stop the republish; the file watcher's reload reports it).
    @Test func keepingTheCatalogLoadsNothing() throws {
        let (chain, key) = try Self.certificatePEM()
        let loader = ServerCertificateLoader()
        let pipeline = SnapshotPipeline(lookup: { _ in .success([]) })
        let served = pipeline.compile(
            Configuration(listeners: [Self.https([CertificateConfig(name: "s", pem: CertificatePEM(certificateChain: chain, privateKey: key))])]),
            certificates: .load(loader))
        let broken = Configuration(listeners: [Self.https([CertificateConfig(certificateFile: "/nonexistent/cert.pem", keyFile: "/nonexistent/key.pem")])])
        let rebuilt = pipeline.compile(broken, certificates: .keep(served.tls))
        #expect(rebuilt.tls === served.tls)
        #expect(!rebuilt.hasErrors, "\(rebuilt.diagnostics)")
        #expect(pipeline.compile(broken).hasErrors)
    }
}
