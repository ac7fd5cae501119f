import ApusCore
import ApusHTTP
import ApusNet

/// Client certificates (`client_certificates`; ingress-nginx's `auth-tls-*`), judged per
/// request as nginx does after `ssl_verify_client`: the handshake asked for a certificate
/// under the host's policy; a request is refused when the policy requires what did not
/// come (400, or a 302 to the error page), when its subject does not match (403), or when
/// its connection's handshake was made for another host (421). A request let through
/// carries the verdict upstream in `ssl-client-verify`, `ssl-client-subject-dn`,
/// `ssl-client-issuer-dn` and, when asked, `ssl-client-cert`.
extension Worker {
    /// Written by Apus alone: a client's own fields of these names (or their spellings with
    /// underscores, which CGI-style frameworks read as the same) never reach the upstream,
    /// the auth service or the error backend.
    static let clientCertificateFields = ["ssl-client-verify", "ssl-client-subject-dn", "ssl-client-issuer-dn", "ssl-client-cert"]
        .flatMap { [$0, String($0.map { $0 == "-" ? "_" : $0 })] }

    /// False when the request got its answer.
    func admitsClientCertificate(_ connection: DownstreamConnection, _ exchange: Exchange, _ policy: CompiledClientCertificates,
                                 route: Int) -> Bool {
        let config = policy.config
        // ingress-nginx answers 403 for every request of a host whose CA Secret is unusable.
        guard config.caPEM != nil else {
            respondError(connection, exchange, status: 403)
            return false
        }
        var certificate = ClientCertificate.noCertificate
        if let tls = connection.tlsStream {
            // The handshake asked under another host's policy, none, or this host's before a
            // reload changed its CAs: the client is told to try again on a new connection.
            guard tls.clientVerification?.sessionContext == policy.digest, tls.clientVerificationHolds else {
                respondError(connection, exchange, status: 421)
                return false
            }
            certificate = tls.clientCertificate()
        }
        switch (config.verify, certificate.verdict) {
        case (.on, .none):
            refuseCertificate(connection, exchange, config, reason: "No required SSL certificate was sent")
            return false
        case (.on, .failed), (.optional, .failed):
            refuseCertificate(connection, exchange, config, reason: "The SSL certificate error")
            return false
        default:
            break
        }
        var subject = certificate.subjectDN
        guard subject.withUTF8({ policy.subjectMatches(UnsafeRawBufferPointer($0), scratch: fieldScratch) }) else {
            var response = LocalResponse(status: 403, edits: exchange.responseEdits)
            response.header("Content-Type", "text/plain; charset=utf-8")
            finishLocal(connection, exchange, status: 403, response: &response, body: Array("client certificate unauthorized\n".utf8))
            return false
        }
        passCertificateFields(exchange, certificate, config, routeEdits: table.routes[route].requestEdits)
        return true
    }

    /// nginx's 495 and 496 reach the client as 400 with the reason, or as the error page.
    private func refuseCertificate(_ connection: DownstreamConnection, _ exchange: Exchange, _ config: ClientCertificateConfig,
                                   reason: String) {
        if let page = config.errorPage {
            sendRedirect(connection, exchange, status: 302, location: page)
            return
        }
        var response = LocalResponse(status: 400, edits: exchange.responseEdits)
        response.header("Content-Type", "text/plain; charset=utf-8")
        finishLocal(connection, exchange, status: 400, response: &response, body: Array("400 \(reason)\n".utf8))
    }

    /// The route's request edits with the client-certificate fields: the client's own
    /// removed, ours added (an empty value is left out, as nginx leaves out an empty
    /// `proxy_set_header`).
    private func passCertificateFields(_ exchange: Exchange, _ certificate: ClientCertificate, _ config: ClientCertificateConfig,
                                       routeEdits: CompiledHeaderEdits?) {
        var removed = routeEdits?.removedNames ?? []
        for name in Self.clientCertificateFields {
            removed.append(UInt8(name.utf8.count))
            removed += name.utf8
        }
        var lines: [UInt8] = []
        var fields = [("ssl-client-verify", certificate.verifyText), ("ssl-client-subject-dn", certificate.subjectDN),
                      ("ssl-client-issuer-dn", certificate.issuerDN)]
        if config.passCertificate { fields.insert(("ssl-client-cert", certificate.escapedPEM), at: 0) }
        for (name, value) in fields where !value.isEmpty {
            // A DN may hold any byte of its certificate; a field value may not hold CR or LF.
            lines += "\(name): ".utf8
            lines += value.utf8.map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: " ") : $0 }
            lines += "\r\n".utf8
        }
        // The auth request carries them too, as ingress-nginx's auth location sets them.
        exchange.clientCertificateLines = lines
        exchange.requestEdits = CompiledHeaderEdits(removedNames: removed, addedLines: (routeEdits?.addedLines ?? []) + lines)
        if exchange.ownedResponseEdits == nil { exchange.ownedResponseEdits = Exchange.authMarker }
    }
}
