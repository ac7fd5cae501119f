import COpenSSL
import CShims

/// Loads PEM text from memory into a TLS context: the in-memory twin of
/// `SSL_CTX_use_certificate_chain_file` and `SSL_CTX_use_PrivateKey_file`.
enum PEMText {
    /// The first certificate becomes the leaf; the rest are sent as its chain.
    static func useChain(_ text: String, in ctx: OpaquePointer, name: String) throws(TLSError) {
        try withBIO(text) { bio throws(TLSError) in
            guard let leaf = PEM_read_bio_X509_AUX(bio, nil, nil, nil) else {
                throw TLSError.fromQueue("\(name): no PEM certificate found")
            }
            defer { X509_free(leaf) }
            guard SSL_CTX_use_certificate(ctx, leaf) == 1 else { throw TLSError.fromQueue("\(name): cannot use the certificate") }
            _ = copenssl_SSL_CTX_clear_chain_certs(ctx)
            while let intermediate = PEM_read_bio_X509(bio, nil, nil, nil) {
                // add0 takes ownership on success.
                guard copenssl_SSL_CTX_add0_chain_cert(ctx, intermediate) == 1 else {
                    X509_free(intermediate)
                    throw TLSError.fromQueue("\(name): cannot use an intermediate certificate")
                }
            }
            // Reading past the last certificate leaves "no start line" queued: not an error.
            ERR_clear_error()
        }
    }

    static func usePrivateKey(_ text: String, in ctx: OpaquePointer, name: String) throws(TLSError) {
        try withBIO(text) { bio throws(TLSError) in
            guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
                throw TLSError.fromQueue("\(name): no PEM private key found")
            }
            defer { EVP_PKEY_free(key) }
            guard SSL_CTX_use_PrivateKey(ctx, key) == 1 else { throw TLSError.fromQueue("\(name): cannot use the private key") }
        }
    }

    /// Adds every certificate in `text` to the context's trust store (a CA bundle in memory).
    static func trust(_ text: String, in ctx: OpaquePointer, name: String) throws(TLSError) {
        try withBIO(text) { bio throws(TLSError) in
            guard let store = SSL_CTX_get_cert_store(ctx) else { throw TLSError.fromQueue("\(name): no certificate store") }
            var added = 0
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                defer { X509_free(certificate) }
                // add_cert takes its own reference; a duplicate is not an error worth failing on.
                if X509_STORE_add_cert(store, certificate) == 1 { added += 1 }
            }
            ERR_clear_error()
            if added == 0 { throw TLSError("\(name): no PEM certificate found") }
        }
    }

    /// Calls `body` with each certificate in `text` (borrowed for the call); an error when
    /// there is none.
    static func eachCertificate(_ text: String, name: String, _ body: (OpaquePointer) -> Void) throws(TLSError) {
        try withBIO(text) { bio throws(TLSError) in
            var count = 0
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                body(certificate)
                X509_free(certificate)
                count += 1
            }
            ERR_clear_error()
            if count == 0 { throw TLSError("\(name): no PEM certificate found") }
        }
    }

    private static func withBIO(_ text: String, _ body: (OpaquePointer) throws(TLSError) -> Void) throws(TLSError) {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { throw TLSError("PEM text is empty") }
        // withUnsafeMutableBytes only rethrows untyped errors: carry the typed one out.
        let outcome: Result<Void, TLSError> = bytes.withUnsafeMutableBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return .failure(TLSError.fromQueue("cannot create a memory BIO")) }
            defer { BIO_free(bio) }
            do throws(TLSError) { try body(bio) } catch { return .failure(error) }
            return .success(())
        }
        try outcome.get()
    }
}
