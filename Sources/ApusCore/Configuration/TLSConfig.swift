/// A certificate chain and its private key, as PEM files or as PEM text in memory.
public struct CertificateConfig: Equatable, Sendable {
    /// Leaf first, then intermediates. With `pem` set, only a name for messages and
    /// `/routes` (`secret demo/demo-tls`): nothing is read from it.
    public var certificateFile: String
    public var keyFile: String
    /// The PEM text itself, for certificates that never touch the disk (Kubernetes
    /// Secrets: the controller's root filesystem is read-only, and a private key written
    /// to a file could outlive the Secret).
    public var pem: CertificatePEM?
    public var location: SourceLocation

    public init(certificateFile: String, keyFile: String, location: SourceLocation = .unknown) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.location = location
    }

    /// A certificate held in memory; `name` stands in for the file names in messages.
    public init(name: String, pem: CertificatePEM, location: SourceLocation = .unknown) {
        self.certificateFile = name
        self.keyFile = name
        self.pem = pem
        self.location = location
    }
}

/// PEM text of a certificate chain (leaf first) and its private key.
public struct CertificatePEM: Equatable, Sendable {
    public var certificateChain: String
    public var privateKey: String

    public init(certificateChain: String, privateKey: String) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
    }
}

/// TLS termination on a listener.
public struct ListenerTLSConfig: Equatable, Sendable {
    /// SNI picks the certificate whose SANs match the requested name (exact before
    /// wildcard); the first is the default for clients that send no or an unknown name.
    public var certificates: [CertificateConfig]
    public var location: SourceLocation

    public init(certificates: [CertificateConfig], location: SourceLocation = .unknown) {
        self.certificates = certificates
        self.location = location
    }
}

/// TLS origination to an upstream's endpoints.
public struct UpstreamTLSConfig: Equatable, Sendable {
    /// PEM bundle of the CAs trusted for the upstream; nil uses the system's.
    public var caFile: String?
    /// Name sent as SNI and checked against the upstream's certificate; nil uses the
    /// endpoint's host.
    public var serverName: String?
    /// Certificate verification; on unless turned off explicitly.
    public var verify: Bool
    /// Presented when the upstream asks for a client certificate.
    public var clientCertificate: CertificateConfig?
    public var location: SourceLocation

    public init(
        caFile: String? = nil, serverName: String? = nil, verify: Bool = true,
        clientCertificate: CertificateConfig? = nil, location: SourceLocation = .unknown
    ) {
        self.caFile = caFile
        self.serverName = serverName
        self.verify = verify
        self.clientCertificate = clientCertificate
        self.location = location
    }
}
