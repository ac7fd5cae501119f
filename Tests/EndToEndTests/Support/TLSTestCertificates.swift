import Foundation
import Synchronization

/// Certificates made at test time by `certs/make-dev-certs.sh` (EC P-256), once per test
/// process, in a temporary directory removed when the process exits (kept with
/// APUS_E2E_KEEP=1): a CA, server leaves it signed, a client certificate, and a second CA
/// that nothing trusts. Going through the script also tests the script.
///
/// Thread rule: any task; concurrent first callers share one generation run.
struct TLSTestCertificates: Sendable {
    struct Pair: Sendable {
        var cert: String
        var key: String
    }

    let dir: String
    /// The CA certificate every leaf below except `untrusted` chains to.
    let ca: String
    let caKey: String
    /// SANs localhost, 127.0.0.1, app.example.test; CN app.
    let app: Pair
    /// SAN *.example.test; CN wildcard.
    let wildcard: Pair
    /// SANs localhost, 127.0.0.1 under another CN, for swapping a certificate on reload.
    let renewed: Pair
    /// clientAuth only, CN apus-client.
    let client: Pair
    /// A CA nobody trusts and a localhost, 127.0.0.1 leaf it signed (CN untrusted).
    let untrustedCA: String
    let untrusted: Pair

    static var script: String { ApusBinary.packageRoot + "/certs/make-dev-certs.sh" }

    private static let making = Mutex<Task<TLSTestCertificates, Error>?>(nil)
    private static let extraLeaves = Mutex<[String: (sans: [String], task: Task<Pair, Error>)]>([:])
    private static let reserved: Set<String> = ["ca", "app", "wildcard", "client", "renewed"]

    /// The process's certificates, made on first use (about 0.3 s).
    static func shared() async throws -> TLSTestCertificates {
        let task = making.withLock { current in
            if let current { return current }
            let task = Task { try await make() }
            current = task
            return task
        }
        do {
            return try await task.value
        } catch {
            // A failed run is not cached: the next caller tries again.
            making.withLock { current in if current == task { current = nil } }
            throw error
        }
    }

    /// One more server leaf signed by `ca`, CN `name`, for `sans` (DNS names or IP addresses);
    /// made on first request and cached by name. Asking again for a name with other SANs throws.
    func leaf(_ name: String, sans: [String]) async throws -> Pair {
        guard !Self.reserved.contains(name), !sans.isEmpty else {
            throw HarnessError("leaf '\(name)': the name is taken by the standard set, or no SAN was given")
        }
        let dir = self.dir
        let task = try Self.extraLeaves.withLock { leaves in
            if let existing = leaves[name] {
                guard existing.sans == sans else {
                    throw HarnessError("leaf '\(name)' was made for \(existing.sans), not \(sans)")
                }
                return existing.task
            }
            let task = Task { try await Self.runScript(["-o", dir, "-n", name] + sans, name: name, in: dir) }
            leaves[name] = (sans, task)
            return task
        }
        return try await task.value
    }

    private static func make() async throws -> TLSTestCertificates {
        let dir = try TempDirectory()
        removeAtExit(dir)
        let standard = try await runScript(["-o", dir.path], name: "app", in: dir.path)
        let untrustedDir = dir.file("untrusted")
        async let renewed = runScript(["-o", dir.path, "-n", "renewed", "localhost", "127.0.0.1"], name: "renewed", in: dir.path)
        async let untrusted = runScript(["-o", untrustedDir, "-n", "untrusted", "localhost", "127.0.0.1"], name: "untrusted", in: untrustedDir)
        func pair(_ name: String) -> Pair { Pair(cert: dir.file("\(name).crt"), key: dir.file("\(name).key")) }
        return TLSTestCertificates(
            dir: dir.path, ca: dir.file("ca.crt"), caKey: dir.file("ca.key"),
            app: standard, wildcard: pair("wildcard"), renewed: try await renewed, client: pair("client"),
            untrustedCA: untrustedDir + "/ca.crt", untrusted: try await untrusted)
    }

    /// Runs the script; returns the `name` pair it made in `out`, after checking both files exist.
    private static func runScript(_ arguments: [String], name: String, in out: String) async throws -> Pair {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let scratch = TempDirectory(existing: out + "/.runs")
        try FileManager.default.createDirectory(atPath: scratch.path, withIntermediateDirectories: true)
        let output = try await Tool.run("/bin/bash", [script] + arguments, in: scratch)
        let pair = Pair(cert: out + "/\(name).crt", key: out + "/\(name).key")
        guard output.succeeded, FileManager.default.fileExists(atPath: pair.cert), FileManager.default.fileExists(atPath: pair.key) else {
            throw HarnessError("\(script) \(arguments.joined(separator: " ")) failed (\(output.exit.map(String.init(describing:)) ?? "timed out")): \(output.stderr)")
        }
        return pair
    }

    private static let madeDirectories = Mutex<[String]>([])

    /// The certificates outlive every scenario (they are per process), so they go at exit.
    private static func removeAtExit(_ dir: TempDirectory) {
        let first = madeDirectories.withLock { list in
            list.append(dir.path)
            return list.count == 1
        }
        guard first else { return }
        atexit {
            for path in TLSTestCertificates.madeDirectories.withLock({ $0 }) { TempDirectory(existing: path).remove() }
        }
    }
}
