import COpenSSL
import CShims
import Glibc

/// What a client's certificate said, in the forms nginx's variables give it
/// (`$ssl_client_verify`, `$ssl_client_s_dn`, `$ssl_client_i_dn`,
/// `$ssl_client_escaped_cert`). Read once per connection.
public struct ClientCertificate: Sendable, Equatable {
    public enum Verdict: Sendable, Equatable {
        /// No certificate came.
        case none
        case verified
        /// It came and does not chain to the CAs (or is expired, ...): OpenSSL's reason.
        case failed(String)
    }

    public var verdict: Verdict
    /// RFC 2253 (`CN=apus-client,O=Example`); empty without a certificate.
    public var subjectDN: String
    public var issuerDN: String
    /// The certificate as PEM, percent-encoded (all but RFC 3986's unreserved bytes).
    public var escapedPEM: String

    /// `SUCCESS`, `FAILED:reason` or `NONE`, as `$ssl_client_verify`.
    public var verifyText: String {
        switch verdict {
        case .none: "NONE"
        case .verified: "SUCCESS"
        case .failed(let reason): "FAILED:" + reason
        }
    }

    public static let noCertificate = ClientCertificate(verdict: .none, subjectDN: "", issuerDN: "", escapedPEM: "")
}

extension TLSStream {
    /// Whether the client's certificate was judged under `clientVerification`: always
    /// after a full handshake. A resumed session was chosen before the server name was
    /// looked at, and carries the certificate and verdict of the handshake that made it,
    /// possibly under another host's CAs: it holds only when that handshake was made
    /// under this same policy.
    public var clientVerificationHolds: Bool {
        guard let verification = clientVerification else { return false }
        guard SSL_session_reused(ssl) == 1 else { return true }
        guard let session = SSL_get_session(ssl) else { return false }
        var length: UInt32 = 0
        guard let context = SSL_SESSION_get0_id_context(session, &length) else { return false }
        return Int(length) == verification.sessionContext.count
            && verification.sessionContext.withUnsafeBytes { memcmp(context, $0.baseAddress!, $0.count) == 0 }
    }

    /// The client's certificate and the handshake's verdict on it (read once per connection).
    public func clientCertificate() -> ClientCertificate {
        if let known = readClientCertificate { return known }
        let read = readPeerCertificate()
        readClientCertificate = read
        return read
    }

    private func readPeerCertificate() -> ClientCertificate {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return .noCertificate }
        defer { X509_free(certificate) }
        let result = SSL_get_verify_result(ssl)
        let verdict: ClientCertificate.Verdict = result == X509_V_OK
            ? .verified : .failed(String(cString: X509_verify_cert_error_string(result)))
        return ClientCertificate(
            verdict: verdict, subjectDN: Self.text(of: X509_get_subject_name(certificate)),
            issuerDN: Self.text(of: X509_get_issuer_name(certificate)), escapedPEM: Self.escapedPEM(of: certificate))
    }

    private static func text(of name: OpaquePointer?) -> String {
        guard let name else { return "" }
        return withMemoryBIO { bio in X509_NAME_print_ex(bio, name, 0, copenssl_xn_flag_rfc2253()) >= 0 }
    }

    private static func escapedPEM(of certificate: OpaquePointer) -> String {
        PercentEncoding.allButUnreserved(withMemoryBIO { bio in PEM_write_bio_X509(bio, certificate) == 1 })
    }

    /// What `write` put into a memory BIO, as text ("" when it failed).
    private static func withMemoryBIO(_ write: (OpaquePointer) -> Bool) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard write(bio) else { return "" }
        var data: UnsafeMutablePointer<CChar>?
        let length = copenssl_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }
}
