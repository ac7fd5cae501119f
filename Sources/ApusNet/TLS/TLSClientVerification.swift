import COpenSSL
import CShims

/// The handshake side of a host's client-certificate policy: the CAs a client's
/// certificate must chain to (also sent to the client as acceptable issuers), and the
/// chain depth. The server name callback applies it to connections for that host; what
/// the client sent is judged per request (`ClientCertificate`).
///
/// Thread rule: immutable after init, shared by all workers (an X509_STORE is safe for
/// concurrent verification once loaded).
public final class TLSClientVerification: @unchecked Sendable {
    /// The host it is for, as routes write it (`app.example.test`, `*.example.test`).
    public let host: String
    let store: OpaquePointer
    /// The CAs' subject names, copied onto each connection.
    private let caNames: OpaquePointer
    let depth: Int32
    /// Identifies the policy (at most 32 bytes): written into the sessions (and tickets) of
    /// handshakes made under it, so that only they resume under it, and compared per request.
    public let sessionContext: [UInt8]

    public init(host: String, caPEM: String, depth: Int, origin: String, sessionContext: [UInt8]) throws(TLSError) {
        precondition(sessionContext.count <= 32, "a TLS session id context is at most 32 bytes")
        guard let store = X509_STORE_new() else { throw TLSError.fromQueue("cannot create a certificate store") }
        guard let names = OPENSSL_sk_new_null() else {
            X509_STORE_free(store)
            throw TLSError.fromQueue("cannot create a name list")
        }
        do throws(TLSError) {
            try PEMText.eachCertificate(caPEM, name: origin) { certificate in
                _ = X509_STORE_add_cert(store, certificate)
                if let name = X509_NAME_dup(X509_get_subject_name(certificate)) { _ = OPENSSL_sk_push(names, UnsafeRawPointer(name)) }
            }
        } catch {
            X509_STORE_free(store)
            OPENSSL_sk_pop_free(names, freeName)
            throw error
        }
        self.host = host
        self.store = store
        self.caNames = names
        self.depth = Int32(depth)
        self.sessionContext = sessionContext
    }

    deinit {
        X509_STORE_free(store)
        OPENSSL_sk_pop_free(caNames, freeName)
    }

    /// Whether `pem` holds at least one CA certificate; the reason when it does not.
    public static func problem(caPEM pem: String, origin: String) -> String? {
        do throws(TLSError) {
            try PEMText.eachCertificate(pem, name: origin) { _ in }
            return nil
        } catch {
            return error.message
        }
    }

    /// Asks the connection's client for a certificate under this policy. Called from the
    /// ClientHello callback, before a session is looked up: sessions resume only under the
    /// session id context they were made with, this policy's.
    func apply(to ssl: OpaquePointer) {
        SSL_set_verify(ssl, SSL_VERIFY_PEER, acceptEveryChain)
        SSL_set_verify_depth(ssl, depth)
        _ = copenssl_SSL_set1_verify_cert_store(ssl, store)
        if let copy = SSL_dup_CA_list(caNames) { SSL_set_client_CA_list(ssl, copy) }
        _ = sessionContext.withUnsafeBufferPointer { SSL_set_session_id_context(ssl, $0.baseAddress, UInt32($0.count)) }
    }
}

/// The chain's verdict is kept (`SSL_get_verify_result`) and judged per request, as nginx
/// does: the handshake never fails for it, so the client gets an HTTP answer that says why.
private func acceptEveryChain(_ preverified: Int32, _ context: OpaquePointer?) -> Int32 { 1 }

private func freeName(_ name: UnsafeMutableRawPointer?) {
    X509_NAME_free(OpaquePointer(name))
}
