extension RouteTableCompiler {
    /// `count(n)` with n < 1 is an error; the table falls back to `.auto`.
    static func compileWorkers(_ workers: WorkerCount, at location: SourceLocation) -> (WorkerCount, [Diagnostic]) {
        if case .count(let n) = workers, n < 1 {
            return (.auto, [.error("invalid-workers", "workers must be at least 1 (got \(n)); using one per CPU core", at: location)])
        }
        return (workers, [])
    }

    /// Parses every listener address; a bad one, or one repeating an earlier address or
    /// name, is dropped.
    static func compileListeners(_ configs: [ListenerConfig]) -> ([CompiledListener], [Diagnostic]) {
        var listeners: [CompiledListener] = []
        var diagnostics: [Diagnostic] = []
        var byAddress: [HostPort: SourceLocation] = [:]
        var byName: [String: SourceLocation] = [:]
        for config in configs {
            let address: HostPort
            switch HostPort.parseChecked(config.listen, allowWildcard: true) {
            case .success(let parsed): address = parsed
            case .failure(.zeroPort):
                diagnostics.append(.error("listen-port-zero", "listener '\(config.name)': '\(config.listen)' has port 0; give a fixed port", at: config.location))
                continue
            case .failure(let problem):
                diagnostics.append(.error("invalid-listen-address", "listener '\(config.name)': '\(config.listen)' \(problem.explanation)", at: config.location))
                continue
            }
            if let earlier = byName[config.name] {
                diagnostics.append(.error("duplicate-listener-name", "listener name '\(config.name)' is already used at \(earlier); this listener is dropped", at: config.location))
                continue
            }
            if let earlier = byAddress[address] {
                diagnostics.append(.error("duplicate-listen-address", "listener '\(config.name)': address \(address) is already listened on at \(earlier); this listener is dropped", at: config.location))
                continue
            }
            if let tls = config.tls, tls.certificates.isEmpty {
                diagnostics.append(.error("tls-no-certificate", "listener '\(config.name)': tls needs at least one certificate; this listener is dropped", at: tls.location))
                continue
            }
            byName[config.name] = config.location
            byAddress[address] = config.location
            listeners.append(CompiledListener(name: config.name, address: address, tls: config.tls, proxyProtocol: config.proxyProtocol,
                                               http2: config.servesHTTP2))
        }
        return (listeners, diagnostics)
    }

    /// The admin address must parse and must not be one of the listeners'; otherwise the
    /// admin listener is off (nil) and the proxy keeps serving.
    static func compileAdmin(_ config: AdminConfig?, listeners: [CompiledListener]) -> (HostPort?, [Diagnostic]) {
        guard let config else { return (nil, []) }
        switch HostPort.parseChecked(config.listen, allowWildcard: true) {
        case .failure(let problem):
            return (nil, [.error("invalid-admin-address", "admin address '\(config.listen)' \(problem.explanation); the admin listener is off", at: config.location)])
        case .success(let address):
            if let clash = listeners.first(where: { overlaps($0.address, address) }) {
                return (nil, [.error("admin-address-conflict", "admin address \(address) overlaps listener '\(clash.name)' (\(clash.address)); the admin listener is off", at: config.location)])
            }
            return (address, [])
        }
    }

    /// Same port, and the same IP or one side the unspecified address of that family:
    /// with SO_REUSEPORT both binds would succeed and split or steal connections.
    static func overlaps(_ a: HostPort, _ b: HostPort) -> Bool {
        guard a.port == b.port, a.isIPv6 == b.isIPv6 else { return false }
        let any = a.isIPv6 ? "::" : "0.0.0.0"
        return a.host == b.host || a.host == any || b.host == any
    }
}
