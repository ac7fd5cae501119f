import ApusCore

/// Turns an Ingress backend (Service + port) into an upstream of pod addresses.
///
/// Endpoints come from the Service's EndpointSlices (label `kubernetes.io/service-name`),
/// at the slice port whose name is the Service port's name. Ready endpoints are used;
/// serving-but-terminating ones only while no endpoint is ready, so that a rollout's last
/// pods keep answering. Anything missing leaves the upstream without endpoints: its paths
/// answer 503 and every other path keeps working.
struct BackendResolver {
    let services: [ObjectKey: Service]
    let slicesByService: [ObjectKey: [EndpointSlice]]
    /// For upstreams whose Ingress names no `load-balance`.
    let defaultBalance: BalancePolicy

    init(snapshot: ClusterSnapshot, defaultBalance: BalancePolicy = .roundRobin) {
        self.defaultBalance = defaultBalance
        services = snapshot.services
        var slices: [ObjectKey: [EndpointSlice]] = [:]
        for slice in snapshot.endpointSlices.values {
            guard let service = slice.serviceName else { continue }
            slices[ObjectKey(namespace: slice.metadata.namespace, name: service), default: []].append(slice)
        }
        // Dictionary order is random; endpoints must not be.
        slicesByService = slices.mapValues { $0.sorted { $0.metadata.name < $1.metadata.name } }
    }

    struct Resolution {
        var upstream: UpstreamConfig
        /// Located at the Ingress that uses the backend.
        var findings: [Diagnostic]
    }

    func resolve(namespace: String, service name: String, port: IntOrString, settings: IngressAnnotations, ingress: Ingress) -> Resolution {
        resolve(namespace: namespace, service: name, port: port, settings: settings, at: ingress.reference.location, owner: ingress.metadata.name)
    }

    /// The port the Service lists first (as ingress-nginx picks for `default-backend`); nil
    /// when the Service does not exist or has no port.
    func firstPort(namespace: String, service name: String) -> IntOrString? {
        services[ObjectKey(namespace: namespace, name: name)]?.ports.first.map { .number($0.port) }
    }

    /// Joins an upstream's `namespace/service:port` and the Ingress whose own settings it has.
    static let ownerMark = "@"

    /// `namespace/service:port` of an upstream name, without the owner an Ingress's own
    /// settings add: two names of one Service port give the same.
    static func servicePort(ofUpstream name: String) -> Substring {
        name.prefix { String($0) != ownerMark }
    }

    /// The Service of an upstream name (`service` of `namespace/service:port`), for the
    /// labels of its requests in `/metrics`.
    static func serviceName(ofUpstream name: String) -> String {
        let servicePort = servicePort(ofUpstream: name)
        let afterNamespace = servicePort.drop { $0 != "/" }.dropFirst()
        return String(afterNamespace.prefix { $0 != ":" })
    }

    /// - Parameters:
    ///   - at: where findings point (the Ingress that uses the backend).
    ///   - owner: suffixes the upstream's name when `settings` make it the owner's own.
    func resolve(namespace: String, service name: String, port: IntOrString, settings: IngressAnnotations, at: SourceLocation,
                 owner: String) -> Resolution {
        let key = ObjectKey(namespace: namespace, name: name)
        let subject = "Service \(namespace)/\(name)"
        func upstream(_ portText: String, endpoints: [String], location: SourceLocation, http2: Bool = false) -> UpstreamConfig {
            var upstreamName = "\(namespace)/\(name):\(portText)"
            // Settings from annotations make the upstream this Ingress's own, so that two
            // Ingresses with other timeouts never share (and fight over) one upstream.
            if settings.changesUpstream { upstreamName += Self.ownerMark + owner }
            var config = UpstreamConfig(
                name: upstreamName, endpoints: endpoints.map { EndpointConfig(address: $0, location: location) },
                balance: settings.balance ?? defaultBalance,
                connectTimeoutMilliseconds: settings.connectTimeoutMilliseconds,
                readTimeoutMilliseconds: settings.readTimeoutMilliseconds,
                sendTimeoutMilliseconds: settings.sendTimeoutMilliseconds, failures: settings.failures ?? UpstreamFailurePolicy(),
                affinity: settings.affinity, hash: settings.upstreamHash, location: location)
            switch settings.upstreamTLS {
            case .verified?: config.tls = UpstreamTLSConfig(serverName: "\(name).\(namespace).svc", verify: true, location: at)
            case .unverified?: config.tls = UpstreamTLSConfig(verify: false, location: at)
            case nil: break
            }
            if settings.upstreamHTTP2 || http2 { config.httpProtocol = .h2 }
            return config
        }
        guard let service = services[key] else {
            return Resolution(upstream: upstream(port.description, endpoints: [], location: at), findings: [
                .warning("service-missing", "\(subject) does not exist; paths to it answer 503", at: at)])
        }
        let servicePort: ServicePort?
        switch port {
        case .number(let number): servicePort = service.ports.first { $0.port == number }
        case .name(let portName): servicePort = service.ports.first { $0.name == portName }
        }
        guard let servicePort else {
            let known = service.ports.map { port in port.name.map { "\($0) (\(port.port))" } ?? String(port.port) }
            return Resolution(upstream: upstream(port.description, endpoints: [], location: service.reference.location), findings: [
                .warning("service-port-missing", "\(subject) has no port \(port) (it has \(known.isEmpty ? "none" : known.joined(separator: ", "))); paths to it answer 503", at: at)])
        }
        let portText = String(servicePort.port)
        if service.type == "ExternalName" {
            // The name is looked up by the control plane (EndpointNameResolution) before
            // compiling, and again periodically; the Service's port is the port to dial.
            guard let externalName = service.externalName, !externalName.isEmpty else {
                return Resolution(upstream: upstream(portText, endpoints: [], location: service.reference.location), findings: [
                    .warning("external-name-missing", "\(subject) is of type ExternalName without spec.externalName; paths to it answer 503", at: at)])
            }
            return Resolution(upstream: upstream(portText, endpoints: ["\(externalName):\(portText)"], location: service.reference.location,
                                                 http2: servicePort.speaksHTTP2), findings: [])
        }
        var findings: [Diagnostic] = []
        let endpoints = self.endpoints(of: key, port: servicePort, subject: subject, findings: &findings, at: at)
        if endpoints.isEmpty {
            findings.append(.warning("no-ready-endpoints", "\(subject) port \(portText) has no ready endpoints; paths to it answer 503", at: at))
        }
        return Resolution(upstream: upstream(portText, endpoints: endpoints, location: service.reference.location, http2: servicePort.speaksHTTP2),
                          findings: findings)
    }

    /// `ip:port` of the ready endpoints, or of the serving terminating ones when none is ready.
    private func endpoints(of service: ObjectKey, port: ServicePort, subject: String, findings: inout [Diagnostic], at: SourceLocation) -> [String] {
        var ready: [String] = []
        var terminating: [String] = []
        var seen = Set<String>()
        for slice in slicesByService[service] ?? [] {
            guard let slicePort = slice.ports.first(where: { ($0.name ?? "") == (port.name ?? "") })?.port else { continue }
            let bracketed: Bool
            switch slice.addressType {
            case "IPv4": bracketed = false
            case "IPv6": bracketed = true
            default:
                findings.append(.warning("endpoint-address-type", "EndpointSlice \(slice.metadata.namespace)/\(slice.metadata.name) of \(subject) has addressType \(slice.addressType); only IPv4 and IPv6 endpoints are used", at: at))
                continue
            }
            for endpoint in slice.endpoints {
                // The API reads an unknown `ready` as true, and an unknown `serving` as `ready`.
                let isReady = endpoint.ready ?? true
                let isServing = endpoint.serving ?? isReady
                let isTerminating = endpoint.terminating ?? false
                guard isReady || (isServing && isTerminating) else { continue }
                for address in endpoint.addresses {
                    let text = bracketed ? "[\(address)]:\(slicePort)" : "\(address):\(slicePort)"
                    guard seen.insert(text).inserted else { continue }
                    if isReady { ready.append(text) } else { terminating.append(text) }
                }
            }
        }
        return ready.isEmpty ? terminating : ready
    }
}
