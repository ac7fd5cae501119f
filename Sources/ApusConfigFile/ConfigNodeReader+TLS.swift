import ApusCore
import Yams

/// `tls:` of a listener (termination) and of an upstream (origination). File paths are
/// relative to the config file, like every path in it.
extension ConfigNodeReader {
    mutating func listenerTLS(in fields: MappingFields) -> ListenerTLSConfig? {
        guard let section = section("tls", in: fields, allowed: ["certificates"]) else { return nil }
        var certificates: [CertificateConfig] = []
        for (index, item) in (sequence("certificates", in: section, required: true) ?? []).enumerated() {
            let context = "\(section.contextPath("certificates"))[\(index)]"
            guard let entry = self.fields(of: item, at: context, allowed: ["cert", "key"]) else { continue }
            if let certificate = certificate(in: entry) { certificates.append(certificate) }
        }
        return ListenerTLSConfig(certificates: certificates, location: location(of: section.node))
    }

    mutating func upstreamTLS(in fields: MappingFields) -> UpstreamTLSConfig? {
        let allowed = ["ca", "server_name", "verify", "cert", "key"]
        // `tls: true` means HTTPS with the defaults (system CAs, verify the endpoint's host).
        if let node = fields["tls"], case let .scalar(scalar) = node, !node.isNull {
            switch scalar.string {
            case "true": return UpstreamTLSConfig(location: location(of: node))
            case "false": return nil
            default: break
            }
        }
        guard let section = section("tls", in: fields, allowed: allowed) else { return nil }
        var config = UpstreamTLSConfig(location: location(of: section.node))
        config.caFile = string("ca", in: section).map { ConfigRelativePath.resolve($0, relativeTo: path) }
        config.serverName = string("server_name", in: section)
        config.verify = boolean("verify", in: section) ?? true
        if section["cert"] != nil || section["key"] != nil {
            config.clientCertificate = certificate(in: section)
        }
        return config
    }

    /// `cert` and `key`, both required.
    private mutating func certificate(in fields: MappingFields) -> CertificateConfig? {
        let cert = string("cert", in: fields, required: true)
        let key = string("key", in: fields, required: true)
        guard let cert, let key else { return nil }
        return CertificateConfig(
            certificateFile: ConfigRelativePath.resolve(cert, relativeTo: path),
            keyFile: ConfigRelativePath.resolve(key, relativeTo: path),
            location: location(of: fields.node))
    }
}
