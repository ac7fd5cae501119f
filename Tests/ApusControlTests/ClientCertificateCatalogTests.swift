import ApusControl
import ApusCore
import ApusNet
import Testing

/// The handshake side of client certificates in the TLS catalog: a bundle that does not
/// hold a certificate is an error of the build at its config location (so `serve` keeps
/// serving the previous snapshot), and the policy reaches every HTTPS listener.
@Suite struct ClientCertificateCatalogTests {
    static func configuration(ca: String?) throws -> Configuration {
        let (chain, key) = try SnapshotPipelineTests.certificatePEM()
        let certificate = CertificateConfig(name: "secret demo/tls", pem: CertificatePEM(certificateChain: chain, privateKey: key))
        var route = RouteConfig(host: "a.example.test", paths: [PathRuleConfig(path: "/", match: .prefix, action: .fixedResponse(FixedResponseConfig(status: 200, body: "ok")))])
        route.settings.clientCertificates = ClientCertificateConfig(caPEM: ca, origin: "ca.crt", location: .file(path: "apus.yaml", line: 3, column: 5))
        return Configuration(listeners: [SnapshotPipelineTests.https([certificate])], routes: [route])
    }

    @Test func aBundleWithoutACertificateIsAnErrorWhereItWasWritten() throws {
        let snapshot = SnapshotPipeline(lookup: { _ in .success([]) }).compile(try Self.configuration(ca: "-----BEGIN NOTHING-----\n"))
        let error = try #require(snapshot.diagnostics.first { $0.code == "tls-client-ca" })
        #expect(error.message.contains("host 'a.example.test'") && error.message.contains("no PEM certificate found"))
        #expect(error.location == .file(path: "apus.yaml", line: 3, column: 5))
        #expect(snapshot.hasErrors)
    }

    @Test func aUsableBundleAndOneThatCouldNotBeHad() throws {
        let (ca, _) = try SnapshotPipelineTests.certificatePEM()
        let usable = SnapshotPipeline(lookup: { _ in .success([]) }).compile(try Self.configuration(ca: ca))
        #expect(!usable.hasErrors, "\(usable.diagnostics)")
        #expect(usable.table.routes.first?.clientCertificates?.host == "a.example.test")
        // A Secret that could not be read leaves no CAs: no handshake policy, no build
        // error (the translator reported it), and the data plane answers 403.
        let closed = SnapshotPipeline(lookup: { _ in .success([]) }).compile(try Self.configuration(ca: nil))
        #expect(!closed.hasErrors, "\(closed.diagnostics)")
        #expect(closed.table.routes.first?.clientCertificates?.config.caPEM == nil)
    }
}
