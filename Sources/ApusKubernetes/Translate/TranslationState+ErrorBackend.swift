import ApusCore

/// Error backends: ingress-nginx's `default-backend` and `custom-http-errors` annotations,
/// and the controller's own default backend (`--default-backend-service`), which also
/// answers what no rule matches.
extension TranslationState {
    /// Makes the upstream of `--default-backend-service`, and takes the statuses of
    /// `--custom-http-errors`. A Service that is missing leaves Apus's own answers.
    mutating func prepareDefaultBackend(_ options: IngressTranslationOptions) {
        globalErrorStatuses = options.customHTTPErrors
        guard let key = options.defaultBackendService else { return }
        let service = ObjectReference(kind: "Service", namespace: key.namespace, name: key.name)
        guard let port = resolver.firstPort(namespace: key.namespace, service: key.name) else {
            unownedFindings.append(.warning("default-backend-missing", "--default-backend-service \(key): the Service does not exist or has no port; requests no rule matches get Apus's 404, and errors its own pages", at: service.location))
            return
        }
        let resolution = resolver.resolve(namespace: key.namespace, service: key.name, port: port, settings: IngressAnnotations(),
                                          at: service.location, owner: key.name)
        unownedFindings += resolution.findings
        defaultBackendUpstream = addUpstream(resolution.upstream)
    }

    /// The error backend of one path of `ingress` whose Service is `service`: the
    /// `default-backend` Service, else the controller's; nil when there is none, or when
    /// nothing would be diverted to it.
    mutating func errorBackend(of ingress: Ingress, _ annotations: IngressAnnotations, service: IngressBackend) -> ErrorBackendConfig? {
        let statuses = annotations.interceptsErrors ? annotations.customHTTPErrors ?? globalErrorStatuses : []
        var upstream: String?
        if let name = annotations.defaultBackend { upstream = ingressDefaultBackend(ingress, service: name) }
        if upstream == nil && !statuses.isEmpty { upstream = defaultBackendUpstream }
        guard let upstream else {
            if annotations.customHTTPErrors?.isEmpty == false && annotations.interceptsErrors && annotations.defaultBackend == nil {
                report(.warning("annotation-without-effect", "annotation custom-http-errors has no effect: there is no default-backend annotation and no --default-backend-service to serve the errors", at: ingress.reference.location), for: ingress.reference)
            }
            return nil
        }
        var config = ErrorBackendConfig(upstream: upstream, statuses: statuses, namespace: ingress.metadata.namespace,
                                        ingressName: ingress.metadata.name, location: ingress.reference.location)
        if case .service(let name, let port) = service {
            config.serviceName = name
            config.servicePort = port.description
        }
        return config
    }

    /// The upstream of an Ingress's `default-backend` Service (its first port), made once
    /// per Ingress; nil, with a warning, when the Service is missing or has no endpoint
    /// (ingress-nginx then falls back to its own default backend, as this does).
    private mutating func ingressDefaultBackend(_ ingress: Ingress, service name: String) -> String? {
        if let known = ingressDefaultBackends[ingress.reference] { return known }
        let namespace = ingress.metadata.namespace
        var upstream: String?
        if let port = resolver.firstPort(namespace: namespace, service: name) {
            let resolution = resolver.resolve(namespace: namespace, service: name, port: port, settings: IngressAnnotations(),
                                              at: ingress.reference.location, owner: ingress.metadata.name)
            if resolution.upstream.endpoints.isEmpty {
                report(.warning("default-backend-unavailable", "annotation default-backend: Service \(namespace)/\(name) has no ready endpoint; \(defaultBackendUpstream == nil ? "Apus's own error pages are used" : "the controller's default backend is used") until it has one", at: ingress.reference.location), for: ingress.reference)
            } else {
                upstream = addUpstream(resolution.upstream)
            }
        } else {
            report(.warning("default-backend-unavailable", "annotation default-backend: Service \(namespace)/\(name) does not exist or has no port; \(defaultBackendUpstream == nil ? "Apus's own error pages are used" : "the controller's default backend is used")", at: ingress.reference.location), for: ingress.reference)
        }
        ingressDefaultBackends[ingress.reference] = .some(upstream)
        return upstream
    }

    /// `--default-backend-service` answers what no rule matches when no Ingress has a
    /// `spec.defaultBackend`: `Prefix /` on the catch-all host and on every host without a
    /// `/` of its own, as ingress-nginx's default server and its hosts' `location /`.
    mutating func addServiceDefaultBackend(_ options: IngressTranslationOptions) {
        guard let upstream = defaultBackendUpstream, let key = options.defaultBackendService else { return }
        let owner = ObjectReference(kind: "Service", namespace: key.namespace, name: key.name)
        for hostKey in ["*"] + hostOrder where !isClaimed(host: hostKey, match: .prefix, key: "/") {
            let rule = PathRuleConfig(path: "/", match: .prefix, action: .proxy(upstream: upstream), location: owner.location)
            _ = claim(host: hostKey == "*" ? nil : hostNames[hostKey] ?? nil, rule: rule, owner: owner)
        }
    }
}
