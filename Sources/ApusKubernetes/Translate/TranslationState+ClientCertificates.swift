import ApusCore
import ApusNet

/// Client certificates (`auth-tls-*`): a host-wide setting, as ingress-nginx writes it into
/// the host's `server` block; the oldest Ingress of a host that asks gives it.
extension TranslationState {
    /// The policy an Ingress's annotation asks for, its CAs read from the Secret (`ca.crt`
    /// of an Opaque or TLS Secret of the Ingress's namespace). A Secret that is missing, in
    /// another namespace, or without a usable CA leaves `caPEM` nil: the hosts then answer
    /// 403, as ingress-nginx's denied locations do, never serving without the check.
    mutating func clientCertificates(of ingress: Ingress, _ annotation: IngressAnnotations.ClientCertificateAnnotation,
                                     snapshot: ClusterSnapshot) -> ClientCertificateConfig {
        let owner = ingress.reference
        var config = annotation.config
        let key = ingress.key(naming: annotation.secret)
        config.origin = "Secret \(key)"
        func unavailable(_ why: String) -> ClientCertificateConfig {
            report(.warning("client-certificates-unavailable", "\(why); the Ingress's hosts answer 403 until it does", at: owner.location), for: owner)
            return config
        }
        guard key.namespace == ingress.metadata.namespace else {
            return unavailable("the auth-tls Secret \(key) is in another namespace, which is not allowed (as in ingress-nginx); the Secret must be in \(ingress.metadata.namespace)")
        }
        let pem = snapshot.opaqueSecrets[key].flatMap { $0.data["ca.crt"].map { String(decoding: $0, as: UTF8.self) } } ?? snapshot.secrets[key]?.caPEM
        guard let pem else {
            return unavailable("the auth-tls Secret \(key) does not exist or has no key 'ca.crt'")
        }
        if let problem = TLSClientVerification.problem(caPEM: pem, origin: "Secret \(key) ca.crt") {
            return unavailable(problem)
        }
        config.caPEM = pem
        return config
    }

    /// Gives the hosts of `ingress` its policy, and its `server-alias` names (which serve
    /// its rules too), unless an older Ingress gave one already.
    mutating func claimClientCertificates(_ config: ClientCertificateConfig, of ingress: Ingress, aliases: [String]) {
        for host in ingress.rules.compactMap(\.host) + aliases {
            let hostKey = IngressTranslator.hostKey(host)
            if let (_, holder) = hostClientCertificates[hostKey] {
                if holder != ingress.reference {
                    report(.warning("client-certificates-shadowed", "auth-tls-* of host '\(host)' come from \(holder), which is older (or first by namespace/name); this Ingress's are not used", at: ingress.reference.location), for: ingress.reference)
                }
                continue
            }
            hostClientCertificates[hostKey] = (config, ingress.reference)
        }
    }
}
