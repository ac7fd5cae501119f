import Foundation
import Synchronization

/// Certificates made with openssl at test time (EC P-256), once per test process:
/// a CA, leaves signed by it, a client certificate, and a second, untrusted CA.
struct TLSTestCertificates: Sendable {
    struct Pair: Sendable {
        var cert: String
        var key: String
    }

    let dir: String
    let ca: String
    /// SANs app.example.test, localhost, 127.0.0.1; CN app.
    let app: Pair
    /// SAN *.example.test; CN wildcard.
    let wildcard: Pair
    /// SANs localhost, 127.0.0.1 under another CN, for swapping a certificate on reload.
    let renewed: Pair
    /// clientAuth, CN apus-client.
    let client: Pair
    /// A CA nobody trusts and a localhost leaf it signed.
    let untrustedCA: String
    let untrusted: Pair

    private static let made = Mutex<TLSTestCertificates?>(nil)

    static func shared() async throws -> TLSTestCertificates {
        if let made = made.withLock({ $0 }) { return made }
        let certificates = try await make()
        return made.withLock { current in
            if let current { return current }
            current = certificates
            return certificates
        }
    }

    private static func make() async throws -> TLSTestCertificates {
        let dir = try TempDirectory()
        func openssl(_ arguments: [String]) async throws {
            let output = try await Tool.run("/usr/bin/openssl", arguments, in: dir)
            guard output.succeeded else { throw HarnessError("openssl \(arguments.joined(separator: " ")): \(output.stderr)") }
        }
        func makeCA(_ name: String, _ subject: String) async throws -> Pair {
            let pair = Pair(cert: dir.file("\(name).crt"), key: dir.file("\(name).key"))
            try await openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                               "-keyout", pair.key, "-out", pair.cert, "-days", "30", "-subj", subject])
            return pair
        }
        func makeLeaf(_ name: String, cn: String, sans: String, usage: String, by ca: Pair) async throws -> Pair {
            let pair = Pair(cert: dir.file("\(name).crt"), key: dir.file("\(name).key"))
            let request = dir.file("\(name).csr")
            let extensions = try dir.write("\(name).ext", "\(sans.isEmpty ? "" : "subjectAltName=\(sans)\n")basicConstraints=CA:FALSE\nextendedKeyUsage=\(usage)\n")
            try await openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                               "-keyout", pair.key, "-out", request, "-subj", "/CN=\(cn)"])
            try await openssl(["x509", "-req", "-in", request, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial",
                               "-out", pair.cert, "-days", "30", "-extfile", extensions])
            return pair
        }
        let ca = try await makeCA("ca", "/CN=Apus Test CA")
        let other = try await makeCA("other-ca", "/CN=Untrusted Test CA")
        return TLSTestCertificates(
            dir: dir.path, ca: ca.cert,
            app: try await makeLeaf("app", cn: "app", sans: "DNS:app.example.test,DNS:localhost,IP:127.0.0.1", usage: "serverAuth", by: ca),
            wildcard: try await makeLeaf("wildcard", cn: "wildcard", sans: "DNS:*.example.test", usage: "serverAuth", by: ca),
            renewed: try await makeLeaf("renewed", cn: "renewed", sans: "DNS:localhost,IP:127.0.0.1", usage: "serverAuth", by: ca),
            client: try await makeLeaf("client", cn: "apus-client", sans: "", usage: "clientAuth", by: ca),
            untrustedCA: other.cert,
            untrusted: try await makeLeaf("untrusted", cn: "untrusted", sans: "DNS:localhost,IP:127.0.0.1", usage: "serverAuth", by: other))
    }
}
