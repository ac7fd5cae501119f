import ApusConfigFile
import ApusCore
import Testing

private let at = ConfigFileTestSupport.at

@Suite("tls: keys of listeners and upstreams")
struct TLSSchemaTests {
    @Test("listener certificates and upstream TLS settings parse, paths relative to the file")
    func parsesEveryKey() throws {
        let yaml = """
        listeners:
          - name: https
            listen: 0.0.0.0:8443
            tls:
              certificates:
                - { cert: certs/app.crt, key: certs/app.key }
                - { cert: /abs/wild.crt, key: /abs/wild.key }
        timeouts:
          tls_handshake: 3s
        upstreams:
          kube:
            endpoints: [127.0.0.1:6443]
            tls:
              ca: ca.crt
              server_name: kubernetes.default.svc
              cert: client.crt
              key: client.key
          plain:
            endpoints: [127.0.0.1:80]
            tls: false
          defaults:
            endpoints: [127.0.0.1:443]
            tls: true
        """
        let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let configuration = try #require(parsed)
        let tls = try #require(configuration.listeners.first?.tls)
        #expect(tls.certificates.map(\.certificateFile) == ["/etc/apus/certs/app.crt", "/abs/wild.crt"])
        #expect(tls.certificates.map(\.keyFile) == ["/etc/apus/certs/app.key", "/abs/wild.key"])
        #expect(tls.certificates[0].location == at(6, 11))
        #expect(configuration.timeouts.tlsHandshake == 3000)

        let byName = Dictionary(uniqueKeysWithValues: configuration.upstreams.map { ($0.name, $0) })
        let kube = try #require(byName["kube"]?.tls)
        #expect(kube.caFile == "/etc/apus/ca.crt")
        #expect(kube.serverName == "kubernetes.default.svc")
        #expect(kube.verify)
        #expect(kube.clientCertificate?.certificateFile == "/etc/apus/client.crt")
        #expect(kube.clientCertificate?.keyFile == "/etc/apus/client.key")
        #expect(byName["plain"]?.tls == nil)
        #expect(byName["defaults"]?.tls == UpstreamTLSConfig(location: at(23, 10)))
    }

    @Test("mistakes in tls sections are diagnosed where they are")
    func diagnosesMistakes() {
        let yaml = """
        listeners:
          - listen: 0.0.0.0:8443
            tls:
              certificates:
                - { cert: app.crt }
                - { cert: a.crt, key: a.key, chain: x }
              ciphers: all
        upstreams:
          api:
            endpoints: [127.0.0.1:9001]
            tls: { verify: maybe, cert: c.crt }
        """
        #expect(ConfigFileTestSupport.summaries(yaml) == [
            "5:11: listeners[0].tls.certificates[0]: missing required key 'key'",
            "6:38: unknown key 'chain' in listeners[0].tls.certificates[1] (allowed: cert, key)",
            "7:7: unknown key 'ciphers' in listeners[0].tls (allowed: certificates)",
            "11:10: upstreams.api.tls: missing required key 'key'",
            "11:20: upstreams.api.tls.verify: expected true or false, found 'maybe'",
        ])
    }

    @Test("a TLS listener without certificates is dropped; verify off is a warning")
    func compilerChecks() throws {
        let yaml = """
        listeners:
          - listen: 0.0.0.0:8443
            tls:
              certificates: []
        upstreams:
          api:
            endpoints: [127.0.0.1:9001]
            tls: { verify: false }
        routes:
          - paths: [{ path: /, upstream: api }]
        """
        let configuration = try #require(ConfigFileParser.parse(yaml, path: ConfigFileTestSupport.path).0)
        let (table, diagnostics) = RouteTableCompiler.compile(configuration)
        #expect(table.listeners.isEmpty)
        #expect(diagnostics.map(\.code) == ["tls-no-certificate", "tls-verify-off"])
        #expect(diagnostics.map(\.severity) == [.error, .warning])
    }
}
