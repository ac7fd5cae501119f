import COpenSSL
import CShims

/// The protocol settings every context shares: TLS 1.2 and 1.3 only, forward-secret AEAD
/// ciphers, X25519 and NIST groups, no renegotiation, non-blocking friendly write modes.
enum TLSDefaults {
    /// TLS 1.2 suites (TLS 1.3 suites are OpenSSL's defaults, all AEAD): ECDHE key exchange
    /// with AES-GCM or ChaCha20-Poly1305, the "intermediate" profile minus finite-field DHE.
    static let tls12Ciphers = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")
    static let groups = "X25519:P-256:P-384"

    static func apply(to ctx: OpaquePointer) throws(TLSError) {
        guard copenssl_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 else {
            throw TLSError.fromQueue("cannot restrict the protocol to TLS 1.2 and later")
        }
        guard SSL_CTX_set_cipher_list(ctx, tls12Ciphers) == 1 else { throw TLSError.fromQueue("cannot set the cipher list") }
        guard copenssl_SSL_CTX_set1_groups_list(ctx, groups) == 1 else { throw TLSError.fromQueue("cannot set the key-exchange groups") }
        // Partial writes and a moving buffer: a write retried after WANT_WRITE may come from
        // a buffer that was compacted or grew. Release buffers: an idle connection keeps
        // no 34 KiB of record buffers.
        _ = copenssl_SSL_CTX_set_mode(ctx, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS))
        // An EOF without close_notify reads as end of stream: HTTP framing, not TLS, says
        // whether a message was complete.
        SSL_CTX_set_options(ctx, copenssl_apus_options())
    }
}
