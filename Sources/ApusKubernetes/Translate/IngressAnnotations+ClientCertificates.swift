import ApusCore

extension IngressAnnotations {
    /// `auth-tls-secret` with the `auth-tls-*` values that go with it, the same in both
    /// dialects. ingress-nginx falls back to its default on a bad `verify-client` or depth;
    /// here a bad value refuses the Ingress and says why.
    static func assembleClientCertificates(
        _ result: inout IngressAnnotations, _ values: [String: (key: String, value: String)],
        at location: SourceLocation, into diagnostics: inout [Diagnostic]
    ) -> Bool {
        guard let secret = values["auth-tls-secret"] else {
            warnWithout("auth-tls-secret", values, at: location, into: &diagnostics)
            return true
        }
        guard let name = objectName(secret.value) else {
            return refusal(secret.key, "'\(secret.value)' is not a Secret (NAME or NAMESPACE/NAME)", at: location, into: &diagnostics)
        }
        var config = ClientCertificateConfig(caPEM: nil, origin: "Secret \(name)", location: location)
        if let verify = values["auth-tls-verify-client"] {
            guard let mode = ClientCertificateConfig.Verify(rawValue: verify.value.trimmingSpaces) else {
                return refusal(verify.key, "'\(verify.value)' is not on, off, optional or optional_no_ca", at: location, into: &diagnostics)
            }
            config.verify = mode
        }
        if let depth = values["auth-tls-verify-depth"] {
            guard let number = Int(depth.value.trimmingSpaces), (0...100).contains(number) else {
                return refusal(depth.key, "'\(depth.value)' is not a depth from 0 to 100", at: location, into: &diagnostics)
            }
            // ingress-nginx reads 0 as its default, 1.
            config.depth = max(number, 1)
        }
        config.errorPage = values["auth-tls-error-page"].map { $0.value.trimmingSpaces }.flatMap { $0.isEmpty ? nil : $0 }
        if let pass = values["auth-tls-pass-certificate-to-upstream"] {
            guard let on = boolean(pass.value) else { return refusal(pass.key, "'\(pass.value)' is not true or false", at: location, into: &diagnostics) }
            config.passCertificate = on
        }
        config.matchCN = values["auth-tls-match-cn"].map { $0.value.trimmingSpaces }.flatMap { $0.isEmpty ? nil : $0 }
        // The compiler's own check, so that the refusal names the annotation.
        let keys = ["depth": "auth-tls-verify-depth", "match_cn": "auth-tls-match-cn", "error_page": "auth-tls-error-page"]
        if let problem = RouteTableCompiler.clientCertificateProblems(config).first {
            return refusal(problem, naming: keys, values, otherwise: secret.key, at: location, into: &diagnostics)
        }
        result.clientCertificates = ClientCertificateAnnotation(secret: name, config: config)
        return true
    }
}
