import ApusCore

/// Headers from ConfigMaps: `custom-headers` (the entries set on every response of the
/// Ingress's paths, ingress-nginx's `more_set_headers` per entry) and
/// `auth-proxy-set-headers` (set on the external-auth request, its `proxy_set_header`).
/// A ConfigMap that cannot be used closes the paths with 503, as ingress-nginx's denied
/// locations.
extension TranslationState {
    /// ingress-nginx's own checks of a ConfigMap entry.
    private static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x5F
        }
    }

    private static func validValue(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || "_ :;.,\\/\"'?!(){}[]@<>=-+*#$&`|~^%".utf8.contains(byte)
        }
    }

    /// The Ingress's ConfigMap headers on one of its paths: custom headers set on
    /// responses (a snippet's rule for the same name wins, as it comes later in
    /// ingress-nginx's location), the auth request's fields; or the path answers 503 when
    /// a ConfigMap could not be used.
    func applyConfigMapHeaders(of owner: ObjectReference, to rule: inout PathRuleConfig) {
        if let found = authRequestFields[owner] {
            guard let fields = found else { return Self.close(&rule) }
            rule.settings.externalAuth?.proxySetHeaders = fields
        }
        if let found = customHeaders[owner] {
            guard let rules = found else { return Self.close(&rule) }
            rule.settings.responseHeaders = rule.settings.responseHeaders.map { $0.overriding(rules) } ?? rules
        }
    }

    private static func close(_ rule: inout PathRuleConfig) {
        rule.action = .fixedResponse(FixedResponseConfig(status: 503, body: "503 Service Unavailable\n"))
        rule.rewrite = nil
    }

    /// The response rules of the ConfigMap `name` names; nil, with a warning, when it is
    /// missing, in another namespace, or holds an entry ingress-nginx would refuse.
    mutating func customHeaderRules(of ingress: Ingress, configMap name: String, snapshot: ClusterSnapshot) -> HeaderRulesConfig? {
        entries(of: ingress, configMap: name, annotation: "custom-headers", code: "custom-headers-unavailable", snapshot: snapshot, checkValues: true)
            .map { HeaderRulesConfig(set: $0.map { HeaderValueRule(name: $0.name, value: .literal($0.value), location: ingress.reference.location) }) }
    }

    /// The auth request's fields from the ConfigMap `name` names (values are nginx
    /// templates, checked by the compiler's external-auth check); nil, with a warning, as
    /// for custom headers.
    mutating func authRequestFields(of ingress: Ingress, configMap name: String, snapshot: ClusterSnapshot) -> [AuthRequestField]? {
        guard let entries = entries(of: ingress, configMap: name, annotation: "auth-proxy-set-headers", code: "auth-proxy-set-headers-unavailable",
                                    snapshot: snapshot, checkValues: false) else { return nil }
        let fields = entries.map { AuthRequestField(name: $0.name, value: $0.value) }
        // The compiler's check of the fields (a name the auth request writes itself, a
        // variable Apus does not know): the paths close here rather than being dropped
        // there, which would let a shorter path without auth answer them.
        if let problem = RouteTableCompiler.externalAuthProblems(ExternalAuthConfig(url: "http://auth.invalid/", proxySetHeaders: fields)).first {
            report(.warning("auth-proxy-set-headers-unavailable", "auth-proxy-set-headers: ConfigMap \(ingress.key(naming: name)): \(problem.dropFirst("proxy_set_headers: ".count)); the Ingress's paths answer 503 until it is fixed", at: ingress.reference.location), for: ingress.reference)
            return nil
        }
        return fields
    }

    /// The ConfigMap's entries, names (and `checkValues`: values) checked as ingress-nginx does.
    private mutating func entries(of ingress: Ingress, configMap name: String, annotation: String, code: String, snapshot: ClusterSnapshot,
                                  checkValues: Bool) -> [(name: String, value: String)]? {
        let owner = ingress.reference
        let key = ingress.key(naming: name)
        func denied(_ why: String) -> [(name: String, value: String)]? {
            report(.warning(code, "\(annotation): \(why); the Ingress's paths answer 503 until it is fixed", at: owner.location), for: owner)
            return nil
        }
        guard key.namespace == ingress.metadata.namespace else {
            return denied("ConfigMap \(key) is in another namespace, which is not allowed; it must be in \(ingress.metadata.namespace)")
        }
        guard let configMap = snapshot.configMaps[key] else { return denied("ConfigMap \(key) does not exist") }
        var entries: [(name: String, value: String)] = []
        for (field, value) in configMap.data.sorted(by: { $0.key < $1.key }) {
            guard Self.validName(field) else { return denied("ConfigMap \(key) has the entry '\(field)', which is not a header name") }
            if checkValues && !Self.validValue(value) {
                return denied("ConfigMap \(key) entry '\(field)' has a value with a character ingress-nginx refuses")
            }
            entries.append((field, value))
        }
        return entries
    }
}
