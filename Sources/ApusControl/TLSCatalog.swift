import ApusCore
import ApusNet

/// The OpenSSL contexts a route table needs: certificates per HTTPS listener and a client
/// context per HTTPS upstream. Built by the control plane next to the table and published
/// with it, so a reload swaps certificates as atomically as routes.
///
/// Thread rule: immutable after init, shared by all workers.
public final class TLSCatalog: Sendable {
    /// Keyed by listener address (`ListenerInfo.address`), which a reload that renames a
    /// listener keeps.
    public let servers: [String: TLSServerContextSet]
    /// Keyed by upstream name.
    public let clients: [String: TLSClientContext]

    public static let empty = TLSCatalog(servers: [:], clients: [:])

    public init(servers: [String: TLSServerContextSet], clients: [String: TLSClientContext]) {
        self.servers = servers
        self.clients = clients
    }

    /// Loads every certificate, key and CA file the table names. A file that fails is an
    /// error diagnostic at its config location (serve then keeps the previous table);
    /// an expired certificate is a warning.
    /// - Parameter certificates: the loader the Ingress translation used, so that a
    ///   Secret's certificate is parsed once.
    public static func build(for table: RouteTable, certificates: ServerCertificateLoader) -> (TLSCatalog, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var servers: [String: TLSServerContextSet] = [:]
        let verifications = clientVerifications(for: table, diagnostics: &diagnostics)
        for listener in table.listeners {
            guard let tls = listener.tls else { continue }
            var loaded: [TLSServerCertificate] = []
            for certificate in tls.certificates {
                do {
                    let server = try certificates.load(certificate)
                    if server.isExpired {
                        diagnostics.append(.warning("tls-certificate-expired", "listener '\(listener.name)': certificate \(certificate.certificateFile) expired on \(server.notAfterDescription)", at: certificate.location))
                    }
                    if server.names.isEmpty {
                        diagnostics.append(.warning("tls-certificate-no-san", "listener '\(listener.name)': certificate \(certificate.certificateFile) has no DNS subject alternative name; SNI can only pick it as the default", at: certificate.location))
                    }
                    loaded.append(server)
                } catch {
                    diagnostics.append(.error("tls-certificate", "listener '\(listener.name)': \(error.message)", at: certificate.location))
                }
            }
            if !loaded.isEmpty {
                servers[listener.address.description] = TLSServerContextSet(certificates: loaded, verifications: verifications)
            }
        }
        var clients: [String: TLSClientContext] = [:]
        for upstream in table.upstreams {
            guard let tls = upstream.tls else { continue }
            do {
                clients[upstream.name] = try TLSClientContext(
                    caFile: tls.caFile, serverName: tls.serverName, verify: tls.verify,
                    certificateFile: tls.clientCertificate?.certificateFile, keyFile: tls.clientCertificate?.keyFile,
                    http2: upstream.httpProtocol == .h2)
            } catch {
                diagnostics.append(.error("tls-upstream", "upstream '\(upstream.name)': \(error.message)", at: tls.location))
            }
        }
        return (TLSCatalog(servers: servers, clients: clients), diagnostics)
    }

    /// The handshake side of each host's client-certificate policy. A bundle without a
    /// usable certificate is an error at its config location; a host whose bundle could
    /// not be had at all (`caPEM` nil) gets none, and its requests 403.
    private static func clientVerifications(for table: RouteTable, diagnostics: inout [Diagnostic]) -> [TLSClientVerification] {
        var verifications: [TLSClientVerification] = []
        var hosts = Set<String>()
        for route in table.routes {
            guard let policy = route.clientCertificates, hosts.insert(policy.host).inserted, let pem = policy.config.caPEM else { continue }
            do {
                verifications.append(try TLSClientVerification(
                    host: policy.host, caPEM: pem, depth: policy.config.depth, origin: policy.config.origin, sessionContext: policy.digest))
            } catch {
                diagnostics.append(.error("tls-client-ca", "client_certificates of host '\(policy.host)': \(error.message)", at: policy.config.location))
            }
        }
        return verifications
    }

    /// Every file the catalog was loaded from, so a watcher can reload when a certificate
    /// is renewed on disk.
    public static func files(of table: RouteTable) -> [String] {
        var files: [String] = []
        for listener in table.listeners {
            for certificate in listener.tls?.certificates ?? [] where certificate.pem == nil {
                files += [certificate.certificateFile, certificate.keyFile]
            }
        }
        for route in table.routes {
            if let file = route.clientCertificates?.config.file, !files.contains(file) { files.append(file) }
        }
        for upstream in table.upstreams {
            guard let tls = upstream.tls else { continue }
            if let ca = tls.caFile { files.append(ca) }
            if let client = tls.clientCertificate { files += [client.certificateFile, client.keyFile] }
        }
        return files
    }
}

extension ServerCertificateLoader {
    /// Loads a configured certificate from its in-memory PEM or from its files.
    func load(_ config: CertificateConfig) throws(TLSError) -> TLSServerCertificate {
        if let pem = config.pem {
            return try load(chainPEM: pem.certificateChain, keyPEM: pem.privateKey, name: config.certificateFile).get()
        }
        return try load(certificateFile: config.certificateFile, keyFile: config.keyFile)
    }
}
