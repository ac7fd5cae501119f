import COpenSSL

/// Client certificates asked for on a host's TLS connections (`client_certificates`;
/// ingress-nginx's `auth-tls-*`), as nginx's `ssl_verify_client`: the handshake asks for a
/// certificate signed by `caPEM`'s CAs, and each request is then let through, refused, or
/// sent to `errorPage` by what came. Set on a route (host) only: the handshake knows the
/// host by its server name (SNI), not the path.
public struct ClientCertificateConfig: Equatable, Sendable {
    /// nginx's `ssl_verify_client` values.
    public enum Verify: String, Equatable, Sendable, CaseIterable {
        /// A valid certificate is required: none is 400, an invalid one 400.
        case on
        /// None is let through; an invalid one is 400.
        case optional
        /// None, or one that does not verify, is let through; the upstream is told which.
        case optionalNoCA = "optional_no_ca"
        /// No certificate is asked for.
        case off
    }

    /// The CA bundle, PEM; nil when it could not be had (a missing Secret): every request
    /// of the host is then refused with 403, as ingress-nginx does.
    public var caPEM: String?
    /// Where the bundle came from (a file, a Secret), for messages.
    public var origin: String
    /// The file it was read from (watched by `serve`); nil for a Secret.
    public var file: String?
    public var verify: Verify
    /// The longest chain of CAs above the client's certificate (nginx's default 1).
    public var depth: Int
    /// Where a request whose certificate is missing or invalid is redirected (302)
    /// instead of the 400.
    public var errorPage: String?
    /// The certificate (PEM, URL-escaped) goes upstream as `ssl-client-cert`.
    public var passCertificate: Bool
    /// A regex the subject DN (RFC 2253 form, `CN=client,O=Example`) must match somewhere;
    /// otherwise 403.
    public var matchCN: String?
    public var location: SourceLocation

    /// Identifies the policy a handshake asks under (the TLS session id context): the
    /// host, the CAs and the depth. A connection whose handshake was made under another
    /// policy (another host's, or this host's before a reload changed its CAs) is not let
    /// through on this one.
    public func digest(host: String) -> [UInt8] {
        let material = Array("\(host)\n\(depth)\n\(caPEM ?? "")".utf8)
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        _ = SHA256(material, material.count, &digest)
        return digest
    }

    public init(caPEM: String?, origin: String, file: String? = nil, verify: Verify = .on, depth: Int = 1, errorPage: String? = nil,
                passCertificate: Bool = false, matchCN: String? = nil, location: SourceLocation = .unknown) {
        self.caPEM = caPEM
        self.origin = origin
        self.file = file
        self.verify = verify
        self.depth = depth
        self.errorPage = errorPage
        self.passCertificate = passCertificate
        self.matchCN = matchCN
        self.location = location
    }
}
