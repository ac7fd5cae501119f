import Foundation
import Testing

/// `certs/make-dev-certs.sh` through `TLSTestCertificates`: what it makes verifies with openssl as
/// a server or client certificate for the right names, and the helper makes it once per process.
@Suite struct TestCertificatesTests {
    /// Every leaf chains to its CA with the right purpose and names, keys are P-256 and private,
    /// and a second call returns the same files without running the script again.
    @Test(.timeLimit(.endToEnd(3))) func certificatesVerifyForTheirNames() async throws {
        let certificates = try await TLSTestCertificates.shared()
        let dir = try TempDirectory()
        defer { dir.remove() }
        func openssl(_ arguments: [String]) async throws -> Tool.Output {
            try await Tool.run("/usr/bin/openssl", arguments, in: dir)
        }
        let checks: [(Pair: TLSTestCertificates.Pair, ca: String, purpose: String, names: [String])] = [
            (certificates.app, certificates.ca, "sslserver", ["localhost", "app.example.test", "127.0.0.1"]),
            (certificates.wildcard, certificates.ca, "sslserver", ["api.example.test"]),
            (certificates.renewed, certificates.ca, "sslserver", ["localhost", "127.0.0.1"]),
            (certificates.client, certificates.ca, "sslclient", []),
            (certificates.untrusted, certificates.untrustedCA, "sslserver", ["localhost"]),
        ]
        for check in checks {
            var arguments = ["verify", "-CAfile", check.ca, "-purpose", check.purpose]
            for name in check.names {
                arguments += name.first!.isNumber ? ["-verify_ip", name] : ["-verify_hostname", name]
            }
            let verified = try await openssl(arguments + [check.Pair.cert])
            #expect(verified.succeeded && verified.stdout.contains(": OK"), "\(check.Pair.cert) \(check.names): \(verified.stdout) \(verified.stderr)")
            let key = try await openssl(["pkey", "-in", check.Pair.key, "-noout", "-text"])
            #expect(key.stdout.contains("NIST CURVE: P-256"), "\(check.Pair.key): \(key.stdout.prefix(200))")
            let mode = try FileManager.default.attributesOfItem(atPath: check.Pair.key)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(check.Pair.key) mode \(String(mode ?? 0, radix: 8))")
        }
        let wrong: [(TLSTestCertificates.Pair, String, [String])] = [
            (certificates.wildcard, certificates.ca, ["-verify_hostname", "a.b.example.test"]),  // one label only
            (certificates.app, certificates.ca, ["-verify_hostname", "other.test"]),
            (certificates.client, certificates.ca, ["-purpose", "sslserver"]),
            (certificates.untrusted, certificates.ca, []),
        ]
        for (pair, ca, arguments) in wrong {
            let refused = try await openssl(["verify", "-CAfile", ca] + arguments + [pair.cert])
            #expect(!refused.succeeded, "\(pair.cert) \(arguments) must not verify: \(refused.stdout)")
        }
        let again = ContinuousClock.now
        let cached = try await TLSTestCertificates.shared()
        #expect(cached.app.cert == certificates.app.cert && ContinuousClock.now - again < .milliseconds(50))

        let extra = try await certificates.leaf("extra", sans: ["extra.test", "::1"])
        let extraVerified = try await openssl(["verify", "-CAfile", certificates.ca, "-verify_ip", "::1", extra.cert])
        #expect(extraVerified.succeeded, "\(extraVerified.stdout) \(extraVerified.stderr)")
        await #expect(throws: (any Error).self) { try await certificates.leaf("extra", sans: ["other.test"]) }
    }
}
