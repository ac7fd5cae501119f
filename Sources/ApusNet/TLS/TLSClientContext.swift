import COpenSSL
import CShims
import Glibc

/// The client side of TLS to one upstream: trusted CAs, verification, an optional client
/// certificate, and the name to send as SNI and verify.
///
/// Thread rule: immutable after init, shared by all workers.
public final class TLSClientContext: @unchecked Sendable {
    let ctx: OpaquePointer
    public let serverName: String?
    public let verify: Bool

    /// Files or in-memory PEM text (kubeconfig `*-data` fields, never written to disk):
    /// `caPEM` is trusted besides `caFile`; `certificatePEM`/`keyPEM` replace the files.
    /// With `http2`, ALPN offers `h2` alone (the connection is useless without it).
    public init(
        caFile: String?, serverName: String?, verify: Bool, certificateFile: String?, keyFile: String?,
        caPEM: String? = nil, certificatePEM: String? = nil, keyPEM: String? = nil, http2: Bool = false
    ) throws(TLSError) {
        let caFileText = try caFile.map { path throws(TLSError) in try TLSError.readPEM(path, "CA") }
        var clientFiles: (chain: String, key: String)?
        if let certificateFile, let keyFile {
            clientFiles = (try TLSError.readPEM(certificateFile, "client certificate"), try TLSError.readPEM(keyFile, "client key"))
        }
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw TLSError.fromQueue("cannot create a TLS context") }
        do throws(TLSError) {
            try TLSDefaults.apply(to: ctx)
            if verify {
                if caFile != nil || caPEM != nil {
                    if let caFile, let caFileText { try PEMText.trust(caFileText, in: ctx, name: caFile) }
                    if let caPEM { try PEMText.trust(caPEM, in: ctx, name: "certificate-authority-data") }
                } else if SSL_CTX_set_default_verify_paths(ctx) != 1 {
                    throw TLSError.fromQueue("cannot load the system's CA certificates")
                }
                SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
            } else {
                SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
            }
            if let certificatePEM, let keyPEM {
                try PEMText.useChain(certificatePEM, in: ctx, name: "client certificate")
                try PEMText.usePrivateKey(keyPEM, in: ctx, name: "client key")
                guard SSL_CTX_check_private_key(ctx) == 1 else { throw TLSError.fromQueue("the client key does not match the client certificate") }
            } else if let certificateFile, let keyFile, let clientFiles {
                try PEMText.useChain(clientFiles.chain, in: ctx, name: certificateFile)
                try PEMText.usePrivateKey(clientFiles.key, in: ctx, name: keyFile)
                guard SSL_CTX_check_private_key(ctx) == 1 else {
                    throw TLSError.fromQueue("client key \(keyFile) does not match the certificate \(certificateFile)")
                }
            }
            let alpn: [UInt8] = http2 ? [2] + Array("h2".utf8) : [8] + Array("http/1.1".utf8)
            guard SSL_CTX_set_alpn_protos(ctx, alpn, UInt32(alpn.count)) == 0 else {
                throw TLSError.fromQueue("cannot set ALPN")
            }
        } catch {
            SSL_CTX_free(ctx)
            throw error
        }
        self.ctx = ctx
        self.serverName = serverName
        self.verify = verify
    }

    deinit {
        SSL_CTX_free(ctx)
    }

    /// A client stream on a connected socket to `host` (an IP literal): SNI and the
    /// certificate check use `serverName`, else the host itself (an IP is checked against
    /// the certificate's IP SANs and never sent as SNI).
    public func makeStream(fd: Int32, host: String, coalescing: UnsafeMutableRawBufferPointer) -> TLSStream? {
        guard let stream = TLSStream(ctx: ctx, fd: fd, owner: self, coalescing: coalescing) else { return nil }
        let ssl = stream.ssl
        let name = serverName ?? host
        let isAddress = TLSClientContext.isIPLiteral(name)
        if !isAddress { _ = copenssl_SSL_set_tlsext_host_name(ssl, name) }
        if verify {
            let ok = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) : SSL_set1_host(ssl, name)
            guard ok == 1 else {
                _ = OpenSSLErrors.drain()
                return nil
            }
        }
        SSL_set_connect_state(ssl)
        return stream
    }

    static func isIPLiteral(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
