import COpenSSL
import CShims

/// One certificate chain and key loaded into a server context of its own (SNI switches a
/// connection to the context of the certificate it picked), with the DNS names it covers.
///
/// Thread rule: immutable after init; SSL_CTX is safe to share between threads for SSL_new.
public final class TLSServerCertificate: @unchecked Sendable {
    let ctx: OpaquePointer
    /// Lower-cased DNS names of the subject alternative names (`*.example.test` included).
    public let names: [String]
    /// When the leaf stops being valid, as OpenSSL prints it.
    public let notAfterDescription: String
    /// The same as Unix seconds (nil if the certificate's time could not be read).
    public let notAfterUnixSeconds: Int?
    public let isExpired: Bool
    /// Where it came from: the certificate file, or the name given for PEM in memory.
    public let source: String

    /// Loads `certificateFile` (leaf first, then intermediates) and `keyFile`, and checks
    /// that they belong together.
    public convenience init(certificateFile: String, keyFile: String, ticketLifetimeSeconds: Int) throws(TLSError) {
        let chain = try TLSError.readPEM(certificateFile, "certificate")
        let key = try TLSError.readPEM(keyFile, "private key")
        try self.init(source: certificateFile, ticketLifetimeSeconds: ticketLifetimeSeconds, pair: "private key \(keyFile) does not match certificate \(certificateFile)") { ctx throws(TLSError) in
            try PEMText.useChain(chain, in: ctx, name: certificateFile)
            try PEMText.usePrivateKey(key, in: ctx, name: keyFile)
        }
    }

    /// Loads a chain (leaf first) and key from PEM text held in memory (a Kubernetes
    /// Secret); `name` says where they came from in errors.
    public convenience init(certificatePEM: String, keyPEM: String, name: String, ticketLifetimeSeconds: Int) throws(TLSError) {
        try self.init(source: name, ticketLifetimeSeconds: ticketLifetimeSeconds, pair: "\(name): the private key does not match the certificate") { ctx throws(TLSError) in
            try PEMText.useChain(certificatePEM, in: ctx, name: name)
            try PEMText.usePrivateKey(keyPEM, in: ctx, name: name)
        }
    }

    private init(source: String, ticketLifetimeSeconds: Int, pair: String, load: (OpaquePointer) throws(TLSError) -> Void) throws(TLSError) {
        self.source = source
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw TLSError.fromQueue("cannot create a TLS context") }
        do throws(TLSError) {
            try TLSDefaults.apply(to: ctx)
            try load(ctx)
            // (use_PrivateKey already refuses a key of another certificate.)
            guard SSL_CTX_check_private_key(ctx) == 1 else {
                throw TLSError.fromQueue(pair)
            }
            // Tickets only (no server-side session cache to lock and grow), one per
            // handshake: clients resume one connection at a time.
            _ = copenssl_SSL_CTX_set_session_cache_mode(ctx, Int(SSL_SESS_CACHE_OFF))
            guard SSL_CTX_set_num_tickets(ctx, 1) == 1,
                  capus_tls_use_rotating_tickets(ctx, ticketLifetimeSeconds) == 1 else {
                throw TLSError.fromQueue("cannot set up session tickets")
            }
            SSL_CTX_set_alpn_select_cb(ctx, selectHTTP11, nil)
        } catch {
            SSL_CTX_free(ctx)
            throw error
        }
        self.ctx = ctx
        let leaf = SSL_CTX_get0_certificate(ctx)
        self.names = leaf.map(TLSServerCertificate.dnsNames(of:)) ?? []
        if let leaf, let notAfter = X509_get0_notAfter(leaf) {
            self.isExpired = X509_cmp_current_time(notAfter) < 0
            self.notAfterDescription = TLSServerCertificate.text(of: notAfter)
            self.notAfterUnixSeconds = TLSServerCertificate.unixSeconds(of: notAfter)
        } else {
            self.isExpired = false
            self.notAfterDescription = "unknown"
            self.notAfterUnixSeconds = nil
        }
    }

    deinit {
        SSL_CTX_free(ctx)
    }

    /// Whether this certificate covers `name` (lower-case), exactly or by a one-label wildcard.
    public func covers(_ name: String) -> Bool {
        for pattern in names {
            if pattern == name { return true }
            if pattern.hasPrefix("*."), let dot = name.firstIndex(of: "."), name[dot...] == pattern.dropFirst() {
                return true
            }
        }
        return false
    }

    private static func dnsNames(of certificate: OpaquePointer) -> [String] {
        guard let raw = X509_get_ext_d2i(certificate, NID_subject_alt_name, nil, nil) else { return [] }
        let stack = OpaquePointer(raw)
        defer { GENERAL_NAMES_free(stack) }
        var names: [String] = []
        for index in 0..<OPENSSL_sk_num(stack) {
            guard let entry = OPENSSL_sk_value(stack, index) else { continue }
            let name = entry.assumingMemoryBound(to: GENERAL_NAME.self)
            guard name.pointee.type == GEN_DNS, let ia5 = name.pointee.d.dNSName,
                  let bytes = ASN1_STRING_get0_data(ia5) else { continue }
            let length = Int(ASN1_STRING_length(ia5))
            let text = String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
            names.append(text.lowercased())
        }
        return names
    }

    private static func unixSeconds(of time: UnsafePointer<ASN1_TIME>) -> Int? {
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return timegm(&parts)
    }

    private static func text(of time: UnsafePointer<ASN1_TIME>) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "unknown" }
        defer { BIO_free(bio) }
        guard ASN1_TIME_print(bio, time) == 1 else { return "unknown" }
        var data: UnsafeMutablePointer<CChar>?
        let length = copenssl_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { return "unknown" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }
}

/// ALPN: `http/1.1` when the client offers it; a client offering only other protocols
/// (h2 alone) continues without ALPN rather than failing the handshake.
private func selectHTTP11(
    _ ssl: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, _ outLength: UnsafeMutablePointer<UInt8>?,
    _ offered: UnsafePointer<UInt8>?, _ offeredLength: UInt32, _ argument: UnsafeMutableRawPointer?
) -> Int32 {
    guard let offered, let out, let outLength else { return SSL_TLSEXT_ERR_NOACK }
    var index = 0
    let total = Int(offeredLength)
    while index < total {
        let length = Int(offered[index])
        let start = index + 1
        guard start + length <= total else { break }
        if length == 8 && memcmp(offered + start, http11, 8) == 0 {
            out.pointee = offered + start
            outLength.pointee = 8
            return SSL_TLSEXT_ERR_OK
        }
        index = start + length
    }
    return SSL_TLSEXT_ERR_NOACK
}

private let http11: [UInt8] = Array("http/1.1".utf8)
