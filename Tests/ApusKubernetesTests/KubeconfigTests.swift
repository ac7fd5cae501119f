import Foundation
import Testing
@testable import ApusKubernetes

/// Kubeconfig files and the in-cluster service account into a `KubernetesClientConfig`.
@Suite struct KubeconfigTests {
    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "/apus-kubeconfig-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test func tokenUserAndDataFieldsOfTheCurrentContext() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ca = Data("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".utf8).base64EncodedString()
        try Self.write("""
        apiVersion: v1
        kind: Config
        current-context: prod
        contexts:
          - name: dev
            context: { cluster: other, user: nobody }
          - name: prod
            context: { cluster: main, user: admin, namespace: web }
        clusters:
          - name: main
            cluster:
              server: https://api.example.test:6443
              certificate-authority-data: \(ca)
              tls-server-name: kubernetes.default.svc
        users:
          - name: admin
            user: { token: abc.def }
        """, to: dir + "/config")
        let config = try KubeconfigLoader.load(kubeconfig: dir + "/config", environment: [:])
        #expect(config.scheme == .https && config.host == "api.example.test" && config.port == 6443)
        #expect(config.token == .fixed("abc.def"))
        #expect(config.caPEM?.hasPrefix("-----BEGIN CERTIFICATE-----") == true)
        #expect(config.tlsServerName == "kubernetes.default.svc")
        #expect(config.namespace == "web")
        #expect(config.origin.contains("context prod"))
    }

    @Test func relativeFilesClientCertificateHTTPAndMergedList() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.write("token-from-file\n", to: dir + "/token")
        // The first file sets current-context; the cluster and user live in the second.
        try Self.write("current-context: local\ncontexts: [{ name: local, context: { cluster: c, user: u } }]\n", to: dir + "/a")
        try Self.write("""
        clusters: [{ name: c, cluster: { server: "http://127.0.0.1:8080", insecure-skip-tls-verify: true, certificate-authority: ca.crt } }]
        users: [{ name: u, user: { tokenFile: token } }]
        """, to: dir + "/b")
        let config = try KubeconfigLoader.load(kubeconfig: nil, environment: ["KUBECONFIG": "\(dir)/a:\(dir)/missing:\(dir)/b"])
        #expect(config.scheme == .http && config.host == "127.0.0.1" && config.port == 8080)
        #expect(config.token == .file(dir + "/token"))
        #expect(config.caFile == dir + "/ca.crt")
        #expect(config.insecureSkipTLSVerify)

        try Self.write("""
        current-context: x
        contexts: [{ name: x, context: { cluster: c, user: u } }]
        clusters: [{ name: c, cluster: { server: "https://[fd00::1]" } }]
        users: [{ name: u, user: { client-certificate: certs/c.pem, client-key-data: \(Data("KEY".utf8).base64EncodedString()) } }]
        """, to: dir + "/cert")
        let certificate = try KubeconfigLoader.load(kubeconfig: dir + "/cert", environment: [:])
        #expect(certificate.host == "fd00::1" && certificate.port == 443 && certificate.server == "[fd00::1]:443")
        #expect(certificate.clientCertificateFile == dir + "/certs/c.pem" && certificate.clientKeyPEM == "KEY")
    }

    @Test(arguments: [
        ("contexts: []\n", "has no current-context"),
        ("current-context: a\ncontexts: []\n", "current-context 'a' is not among its contexts"),
        ("current-context: a\ncontexts: [{ name: a, context: { cluster: c } }]\n", "cluster 'c' of context 'a' is not defined"),
        ("current-context: a\ncontexts: [{ name: a, context: { cluster: c } }]\nclusters: [{ name: c, cluster: { server: ftp://x } }]\n", "no usable server URL"),
        ("current-context: a\ncontexts: [{ name: a, context: { cluster: c, user: u } }]\nclusters: [{ name: c, cluster: { server: https://x } }]\nusers: [{ name: u, user: { exec: { command: aws } } }]\n", "exec or auth-provider"),
        ("current-context: a\ncontexts: [{ name: a, context: { cluster: c, user: u } }]\nclusters: [{ name: c, cluster: { server: https://x } }]\nusers: [{ name: u, user: { client-certificate: c.pem } }]\n", "without a key"),
        ("current-context: \"unterminated\n", "not valid YAML"),
    ])
    func brokenKubeconfigsSayWhy(text: String, expected: String) throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.write(text, to: dir + "/config")
        #expect {
            _ = try KubeconfigLoader.load(kubeconfig: dir + "/config", environment: [:])
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test func inClusterReadsEnvironmentAndServiceAccount() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.write("sa-token", to: dir + "/token")
        try Self.write("CA", to: dir + "/ca.crt")
        try Self.write("apus-system", to: dir + "/namespace")
        let config = try KubeconfigLoader.load(
            kubeconfig: nil, environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], serviceAccountDirectory: dir)
        #expect(config.url == "https://10.96.0.1:443")
        #expect(config.token == .file(dir + "/token") && config.caFile == dir + "/ca.crt" && config.namespace == "apus-system")
        #expect(throws: KubernetesError.self) { try KubeconfigLoader.load(kubeconfig: nil, environment: [:], serviceAccountDirectory: dir) }
    }

    /// A projected token rotates by a symlink swap: the next request reads the new file, and a
    /// 401 forgets the cached token even when the file looks unchanged.
    @Test func tokenFileIsRereadWhenItChanges() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.write("first", to: dir + "/..data-1")
        try FileManager.default.createSymbolicLink(atPath: dir + "/token", withDestinationPath: dir + "/..data-1")
        let token = BearerToken(.file(dir + "/token"))
        #expect(try token.current(nowMilliseconds: 1_000) == "first")
        try Self.write("second\n", to: dir + "/..data-2")
        try FileManager.default.createSymbolicLink(atPath: dir + "/token.new", withDestinationPath: dir + "/..data-2")
        #expect(rename(dir + "/token.new", dir + "/token") == 0)
        #expect(try token.current(nowMilliseconds: 1_001) == "second")
        // Rewritten in place with the same size and (within the clock's grain) time: the minute rule.
        try Self.write("third!\n", to: dir + "/..data-2")
        #expect(try token.current(nowMilliseconds: 62_000) == "third!")
        try FileManager.default.removeItem(atPath: dir + "/..data-2")
        token.invalidate()
        #expect(throws: KubernetesError.self) { try token.current(nowMilliseconds: 62_001) }
    }
}
