import ApusCore
import ApusNet

extension TranslationState {
    /// Checks each `spec.tls[].secretName` of an Ingress: the Secret must be in the
    /// Ingress's namespace, of type `kubernetes.io/tls`, and hold a certificate and key
    /// that OpenSSL loads and that belong together. A Secret that fails leaves its hosts
    /// on the listener's default certificate, with a warning for the Ingress.
    mutating func checkTLS(of ingress: Ingress, secrets: [ObjectKey: TLSSecret]) {
        let owner = ingress.reference
        if !ingress.tls.isEmpty { tlsIngresses.append(owner) }
        for (index, entry) in ingress.tls.enumerated() {
            let hosts = entry.hosts.isEmpty ? "its hosts" : entry.hosts.joined(separator: ", ")
            func fallback(_ code: String, _ why: String) {
                report(.warning(code, "spec.tls[\(index)]: \(why); \(hosts) get the listener's default certificate", at: owner.location), for: owner)
            }
            guard let secretName = entry.secretName, !secretName.isEmpty else {
                fallback("tls-secret-unnamed", "no secretName")
                continue
            }
            let key = ObjectKey(namespace: ingress.metadata.namespace, name: secretName)
            if usableCertificates[key] != nil { continue }
            guard let secret = secrets[key] else {
                fallback("tls-secret-missing", "Secret \(key) does not exist")
                continue
            }
            guard secret.type == TLSSecret.tlsType else {
                fallback("tls-secret-type", "Secret \(key) is of type \(secret.type), not \(TLSSecret.tlsType)")
                continue
            }
            guard let certificate = secret.certificatePEM, let privateKey = secret.keyPEM else {
                fallback("tls-secret-incomplete", "Secret \(key) lacks \(secret.certificatePEM == nil ? "tls.crt" : "tls.key") (or it is not valid base64)")
                continue
            }
            let name = "secret \(key)"
            // Loaded here so that a broken Secret is this Ingress's problem, not an error
            // that would make the whole table unusable at publish time.
            let loaded: TLSServerCertificate
            switch certificateLoader.load(chainPEM: certificate, keyPEM: privateKey, name: name) {
            case .success(let certificate): loaded = certificate
            case .failure(let error):
                fallback("tls-secret-invalid", "Secret \(key) cannot be used (\(error.message))")
                continue
            }
            usableCertificates[key] = loaded
            certificates.append((key, CertificateConfig(
                name: name, pem: CertificatePEM(certificateChain: certificate, privateKey: privateKey), location: secret.reference.location)))
        }
    }

    /// The hosts served over TLS as their own, which get the redirect to HTTPS (unless
    /// `ssl-redirect: "false"`) and `--hsts`: ingress-nginx's "certificate configured for
    /// the host", decided per host whichever Ingress's paths it serves. A rule host of an
    /// Ingress with a TLS section counts when an entry lists it, when an entry lists no
    /// hosts, or when one of the section's usable certificates names it (a wildcard entry);
    /// a `server-alias` when an entry lists it or a certificate names it; a
    /// `from-to-www-redirect` name when its host counts (see `addWWWRedirects`).
    ///
    /// Deviation: ingress-nginx also counts the other rule hosts of such an Ingress and
    /// serves them its default certificate; Apus leaves them on plain HTTP.
    mutating func findHostsServedOverTLS(_ accepted: [(Ingress, IngressAnnotations)]) {
        for (ingress, annotations) in accepted where !ingress.tls.isEmpty {
            let listed = Set(ingress.tls.flatMap(\.hosts).map(IngressTranslator.hostKey))
            let listsNoHosts = ingress.tls.contains { $0.hosts.isEmpty }
            let certificates = ingress.tls.compactMap { entry in
                entry.secretName.flatMap { usableCertificates[ObjectKey(namespace: ingress.metadata.namespace, name: $0)] }
            }
            func counts(_ host: String, listsNoHostsCovers: Bool) -> Bool {
                let key = IngressTranslator.hostKey(host)
                return listed.contains(key) || (listsNoHostsCovers && listsNoHosts) || certificates.contains { $0.covers(key) }
            }
            let hosts = ingress.rules.compactMap(\.host)
            for host in hosts where counts(host, listsNoHostsCovers: true) {
                hostsServedOverTLS.insert(IngressTranslator.hostKey(host))
            }
            for alias in hosts.isEmpty ? [] : annotations.serverAliases where counts(alias, listsNoHostsCovers: false) {
                hostsServedOverTLS.insert(IngressTranslator.hostKey(alias))
            }
        }
    }

    /// Appends the Secrets' certificates to every HTTPS listener of the base configuration,
    /// after the listener's own (the first certificate stays the default for clients
    /// without SNI). Without an HTTPS listener the certificates cannot be served: said once.
    func attachCertificates(to configuration: inout Configuration) -> [Diagnostic] {
        guard !certificates.isEmpty || !tlsIngresses.isEmpty else { return [] }
        var attached = false
        for index in configuration.listeners.indices where configuration.listeners[index].tls != nil {
            configuration.listeners[index].tls!.certificates += certificates.map(\.1)
            attached = true
        }
        if attached || configuration.listeners.isEmpty { return [] }
        return [.warning("no-https-listener", "\(tlsIngresses.count) Ingress(es) have a TLS section, but no listener of the configuration has tls; their certificates are not served", at: tlsIngresses[0].location)]
    }
}
