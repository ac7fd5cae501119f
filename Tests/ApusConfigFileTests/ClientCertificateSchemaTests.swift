import ApusConfigFile
import ApusCore
import Foundation
import Testing

/// `client_certificates` in the YAML: every key, where it may stand, and each mistake
/// reported where it was written.
@Suite struct ClientCertificateSchemaTests {
    static func withCA(_ body: (String) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "/apus-client-ca-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".utf8).write(to: URL(fileURLWithPath: directory + "/ca.crt"))
        try body(directory)
    }

    @Test func everyKeyOnAHost() throws {
        try Self.withCA { directory in
            let yaml = """
            routes:
              - host: app.example.test
                client_certificates: { ca: ca.crt, verify: optional_no_ca, depth: 3, error_page: "https://help.example.test/", pass_certificate: true, match_cn: "CN=a" }
                paths: [{ path: /, upstream: app }, { path: /b, upstream: app }]
            upstreams: { app: { endpoints: [127.0.0.1:9000] } }
            """
            let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: directory + "/apus.yaml")
            #expect(diagnostics.isEmpty, "\(diagnostics)")
            let config = try #require(parsed?.routes.first?.settings.clientCertificates)
            #expect(config.file == directory + "/ca.crt" && config.caPEM?.hasPrefix("-----BEGIN CERTIFICATE-----") == true)
            #expect(config.verify == .optionalNoCA && config.depth == 3 && config.passCertificate)
            #expect(config.errorPage == "https://help.example.test/" && config.matchCN == "CN=a")
            let (table, compiled) = RouteTableCompiler.compile(try #require(parsed))
            #expect(compiled.isEmpty, "\(compiled)")
            #expect(table.routes.allSatisfy { $0.clientCertificates?.host == "app.example.test" && $0.dependsOnScheme })
        }
    }

    /// One policy per host, whichever block of the host writes it.
    @Test func aHostHasOnePolicy() throws {
        try Self.withCA { directory in
            let yaml = """
            routes:
              - { host: app.example.test, client_certificates: { ca: ca.crt }, paths: [{ path: /a, upstream: app }] }
              - { host: app.example.test, paths: [{ path: /b, upstream: app }] }
              - { host: app.example.test, client_certificates: { ca: ca.crt, verify: optional }, paths: [{ path: /c, upstream: app }] }
            upstreams: { app: { endpoints: [127.0.0.1:9000] } }
            """
            let (parsed, diagnostics) = ConfigFileParser.parse(yaml, path: directory + "/apus.yaml")
            #expect(diagnostics.isEmpty, "\(diagnostics)")
            let (table, compiled) = RouteTableCompiler.compile(try #require(parsed))
            #expect(compiled.contains { $0.code == "conflicting-client-certificates" && $0.location.description.contains(":4:") }, "\(compiled)")
            #expect(table.routes.count == 3 && table.routes.allSatisfy { $0.clientCertificates?.config.verify == .on }, "every rule of the host, the first policy")
        }
    }

    @Test func mistakesAtTheirLocation() throws {
        try Self.withCA { directory in
            func parse(_ yaml: String) -> (Configuration?, [Diagnostic]) { ConfigFileParser.parse(yaml, path: directory + "/apus.yaml") }
            let upstream = "upstreams: { app: { endpoints: [127.0.0.1:9000] } }"
            // Read errors: a missing file, a verify word nginx does not have, a key on a path.
            let (_, missing) = parse("routes: [{ host: a.test, client_certificates: { ca: nope.crt }, paths: [{ path: /, upstream: app }] }]\n" + upstream)
            #expect(missing.contains { $0.code == "client-certificates" && $0.message.contains("nope.crt") }, "\(missing)")
            let (_, word) = parse("routes: [{ host: a.test, client_certificates: { ca: ca.crt, verify: maybe }, paths: [{ path: /, upstream: app }] }]\n" + upstream)
            #expect(word.contains { $0.message.contains("'maybe' is not one of on, optional, optional_no_ca, off") }, "\(word)")
            let (_, onPath) = parse("routes: [{ host: a.test, paths: [{ path: /, upstream: app, client_certificates: { ca: ca.crt } }] }]\n" + upstream)
            #expect(onPath.contains { $0.code == "unknown-key" && $0.message.contains("client_certificates") }, "\(onPath)")
            // Compile errors: no host to pick the policy by, a pattern that does not compile.
            let (hostless, _) = parse("routes: [{ client_certificates: { ca: ca.crt }, paths: [{ path: /, upstream: app }] }]\n" + upstream)
            let (_, noHost) = RouteTableCompiler.compile(try #require(hostless))
            #expect(noHost.contains { $0.code == "invalid-client-certificates" && $0.message.contains("needs a host") }, "\(noHost)")
            let (badPattern, _) = parse("routes: [{ host: a.test, client_certificates: { ca: ca.crt, match_cn: \"CN=(\" }, paths: [{ path: /, upstream: app }] }]\n" + upstream)
            let (table, pattern) = RouteTableCompiler.compile(try #require(badPattern))
            #expect(pattern.contains { $0.code == "invalid-client-certificates" && $0.message.contains("match_cn") && $0.location.description.contains(":1:") }, "\(pattern)")
            #expect(table.routes.isEmpty, "a host whose policy is broken is not served without it")
        }
    }
}
