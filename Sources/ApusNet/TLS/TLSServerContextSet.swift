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
    /// Client-certificate policies by host as routes write it (`*.example.test` included).
    private let verifications: [String: TLSClientVerification]

    public init(certificates: [TLSServerCertificate], verifications: [TLSClientVerification] = []) {
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
        var byHost: [String: TLSClientVerification] = [:]
        for verification in verifications where byHost[verification.host] == nil { byHost[verification.host] = verification }
        self.verifications = byHost
        let primary = certificates[0].ctx
        // The callbacks find their set through the connection's stream, which keeps it alive:
        // a certificate context may be shared by the sets of several listeners and builds,
        // so a pointer stored on it could name another set, or a freed one.
        _ = copenssl_SSL_CTX_set_tlsext_servername_callback(primary, serverNameCallback)
        SSL_CTX_set_client_hello_cb(primary, clientHelloCallback, nil)
        // On every context: ALPN is chosen after SNI may have switched to another one.
        for certificate in certificates { SSL_CTX_set_alpn_select_cb(certificate.ctx, alpnCallback, nil) }
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

    var hasVerifications: Bool { !verifications.isEmpty }

    /// The client-certificate policy for a requested server name: the host's own, else a
    /// one-label wildcard's, as routes are matched.
    func verification(forServerName name: String) -> TLSClientVerification? {
        guard !verifications.isEmpty else { return nil }
        if let found = verifications[name] { return found }
        guard let dot = name.firstIndex(of: ".") else { return nil }
        return verifications["*" + name[dot...]]
    }

    /// A server-side stream for an accepted socket; nil when OpenSSL is out of memory.
    /// - Parameter offersHTTP2: ALPN may choose `h2` (else only `http/1.1`).
    public func makeStream(fd: Int32, coalescing: UnsafeMutableRawBufferPointer, offersHTTP2: Bool = false) -> TLSStream? {
        guard let stream = TLSStream(ctx: certificates[0].ctx, fd: fd, owner: self, coalescing: coalescing) else { return nil }
        stream.offersHTTP2 = offersHTTP2
        SSL_set_accept_state(stream.ssl)
        return stream
    }
}

/// SNI: switch the connection to the chosen certificate's context before the server
/// sends its certificate.
private func serverNameCallback(_ ssl: OpaquePointer?, _ alert: UnsafeMutablePointer<Int32>?, _ argument: UnsafeMutableRawPointer?) -> Int32 {
    guard let ssl, let stream = TLSStream.of(ssl), let set = stream.serverContextSet,
          let requested = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) else {
        return SSL_TLSEXT_ERR_OK
    }
    var name = String(cString: requested).lowercased()
    if name.hasSuffix(".") { name.removeLast() }
    let chosen = set.certificate(forServerName: name)
    if chosen !== set.certificates[0] {
        _ = SSL_set_SSL_CTX(ssl, chosen.ctx)
        // The switch replaces the connection's certificate settings, the client CA store
        // with them: the ClientHello callback's policy is applied again.
        stream.clientVerification?.apply(to: ssl)
    }
    return SSL_TLSEXT_ERR_OK
}

/// Client certificates: the host's policy applied before OpenSSL decides on resuming a
/// session, so that it resumes only sessions made under the same policy (their session
/// id context is the policy's) and asks for a certificate in every other handshake.
private func clientHelloCallback(_ ssl: OpaquePointer?, _ alert: UnsafeMutablePointer<Int32>?, _ argument: UnsafeMutableRawPointer?) -> Int32 {
    guard let ssl, let stream = TLSStream.of(ssl), let set = stream.serverContextSet, set.hasVerifications else {
        return SSL_CLIENT_HELLO_SUCCESS
    }
    var data: UnsafePointer<UInt8>?
    var length = 0
    guard SSL_client_hello_get0_ext(ssl, UInt32(TLSEXT_TYPE_server_name), &data, &length) == 1, let data,
          let name = ServerNameExtension.hostName(UnsafeRawBufferPointer(start: data, count: length)) else { return SSL_CLIENT_HELLO_SUCCESS }
    if let verification = set.verification(forServerName: name) {
        verification.apply(to: ssl)
        stream.clientVerification = verification
    }
    return SSL_CLIENT_HELLO_SUCCESS
}

/// ALPN: the server's preference among what the client offers, `h2` first where the
/// listener serves HTTP/2, then `http/1.1`; no protocol at all when none of them is
/// offered (the client then speaks HTTP/1.1, as before ALPN).
private func alpnCallback(_ ssl: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, _ outLength: UnsafeMutablePointer<UInt8>?,
                          _ offered: UnsafePointer<UInt8>?, _ offeredLength: UInt32, _ argument: UnsafeMutableRawPointer?) -> Int32 {
    guard let ssl, let out, let outLength, let offered, let stream = TLSStream.of(ssl) else { return SSL_TLSEXT_ERR_NOACK }
    let preferred = stream.offersHTTP2 ? ALPNProtocols.h2AndHTTP11 : ALPNProtocols.http11
    var chosen: UnsafeMutablePointer<UInt8>?
    var chosenLength: UInt8 = 0
    // The chosen bytes point into the server's list, which lives as long as the process.
    let status = SSL_select_next_proto(&chosen, &chosenLength, preferred.baseAddress, UInt32(preferred.count), offered, offeredLength)
    guard status == OPENSSL_NPN_NEGOTIATED, let chosen else { return SSL_TLSEXT_ERR_NOACK }
    out.pointee = UnsafePointer(chosen)
    outLength.pointee = chosenLength
    return SSL_TLSEXT_ERR_OK
}

/// Protocol lists in ALPN's wire form (length-prefixed names), in memory that never moves
/// or goes: OpenSSL keeps a pointer into the list ALPN chose from.
enum ALPNProtocols {
    nonisolated(unsafe) static let h2AndHTTP11 = permanent([2] + Array("h2".utf8) + [8] + Array("http/1.1".utf8))
    nonisolated(unsafe) static let http11 = permanent([8] + Array("http/1.1".utf8))

    private static func permanent(_ bytes: [UInt8]) -> UnsafeBufferPointer<UInt8> {
        let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
        _ = storage.initialize(from: bytes)
        return UnsafeBufferPointer(storage)
    }
}
