import COpenSSL
import CShims

/// The certificates of one HTTPS listener and the SNI choice between them: an exact SAN
/// match first, then a wildcard SAN, else the first certificate (the default).
///
/// Thread rule: immutable after init, shared by all workers; streams keep it alive.
public final class TLSServerContextSet: @unchecked Sendable {
    public let certificates: [TLSServerCertificate]
    private let exact: [String: TLSServerCertificate]
    /// Keyed by the part after `*.` (`example.test` for `*.example.test`).
    private let wildcard: [String: TLSServerCertificate]

    public init(certificates: [TLSServerCertificate]) {
        precondition(!certificates.isEmpty, "an HTTPS listener has at least one certificate")
        self.certificates = certificates
        var exact: [String: TLSServerCertificate] = [:]
        var wildcard: [String: TLSServerCertificate] = [:]
        // Earlier certificates win a name they share with later ones.
        for certificate in certificates {
            for name in certificate.names {
                if name.hasPrefix("*.") {
                    let suffix = String(name.dropFirst(2))
                    if wildcard[suffix] == nil { wildcard[suffix] = certificate }
                } else if exact[name] == nil {
                    exact[name] = certificate
                }
            }
        }
        self.exact = exact
        self.wildcard = wildcard
        let primary = certificates[0].ctx
        _ = copenssl_SSL_CTX_set_tlsext_servername_callback(primary, serverNameCallback)
        _ = copenssl_SSL_CTX_set_tlsext_servername_arg(primary, Unmanaged.passUnretained(self).toOpaque())
    }

    /// The certificate for a requested server name (any case, optional trailing dot).
    public func certificate(forServerName requested: String) -> TLSServerCertificate {
        var name = requested.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if let found = exact[name] { return found }
        if let dot = name.firstIndex(of: "."), let found = wildcard[String(name[name.index(after: dot)...])] {
            return found
        }
        return certificates[0]
    }

    /// A server-side stream for an accepted socket; nil when OpenSSL is out of memory.
    public func makeStream(fd: Int32, coalescing: UnsafeMutableRawBufferPointer) -> TLSStream? {
        guard let stream = TLSStream(ctx: certificates[0].ctx, fd: fd, owner: self, coalescing: coalescing) else { return nil }
        SSL_set_accept_state(stream.ssl)
        return stream
    }
}

/// SNI: switch the connection to the chosen certificate's context before the server
/// sends its certificate.
private func serverNameCallback(_ ssl: OpaquePointer?, _ alert: UnsafeMutablePointer<Int32>?, _ argument: UnsafeMutableRawPointer?) -> Int32 {
    guard let ssl, let argument, let requested = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) else {
        return SSL_TLSEXT_ERR_OK
    }
    let set = Unmanaged<TLSServerContextSet>.fromOpaque(argument).takeUnretainedValue()
    let chosen = set.certificate(forServerName: String(cString: requested))
    if chosen !== set.certificates[0] { _ = SSL_set_SSL_CTX(ssl, chosen.ctx) }
    return SSL_TLSEXT_ERR_OK
}
