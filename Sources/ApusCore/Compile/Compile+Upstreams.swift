extension RouteTableCompiler {
    /// Resolves endpoints and timeouts of every upstream. Bad endpoints are dropped; an
    /// upstream left without endpoints is kept (its routes answer 503) with a warning.
    static func compileUpstreams(_ configs: [UpstreamConfig], defaults: TimeoutsConfig) -> ([CompiledUpstream], [Diagnostic]) {
        var upstreams: [CompiledUpstream] = []
        var diagnostics: [Diagnostic] = []
        var seen: [String: SourceLocation] = [:]
        for config in configs {
            if let earlier = seen[config.name] {
                diagnostics.append(.error("duplicate-upstream", "upstream '\(config.name)' is already defined at \(earlier); this one is dropped", at: config.location))
                continue
            }
            seen[config.name] = config.location
            let (upstream, found) = compileUpstream(config, defaults: defaults)
            upstreams.append(upstream)
            diagnostics += found
        }
        return (upstreams, diagnostics)
    }

    static func compileUpstream(_ config: UpstreamConfig, defaults: TimeoutsConfig) -> (CompiledUpstream, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let (endpoints, endpointDiagnostics) = compileEndpoints(config)
        diagnostics += endpointDiagnostics
        if endpoints.isEmpty {
            diagnostics.append(.warning("upstream-no-endpoints", "upstream '\(config.name)' has no usable endpoints; its routes answer 503", at: config.location))
        }
        func timeout(_ value: Int?, _ name: String, _ fallback: Int) -> Int {
            guard let value else { return fallback }
            if value > 0 { return value }
            diagnostics.append(.error("invalid-timeout", "upstream '\(config.name)': \(name) must be > 0 ms (got \(value)); using \(fallback) ms", at: config.location))
            return fallback
        }
        let connect = timeout(config.connectTimeoutMilliseconds, "connect timeout", defaults.upstreamConnect)
        let read = timeout(config.readTimeoutMilliseconds, "read timeout", defaults.upstreamRead)
        let send = timeout(config.sendTimeoutMilliseconds, "send timeout", defaults.upstreamSend)
        var keepAlive = config.keepAlive
        let standard = KeepAliveConfig()
        if keepAlive.maxIdle < 0 {
            diagnostics.append(.error("invalid-keepalive", "upstream '\(config.name)': keep-alive max idle must be >= 0 (got \(keepAlive.maxIdle)); using \(standard.maxIdle)", at: config.location))
            keepAlive.maxIdle = standard.maxIdle
        }
        if keepAlive.idleTimeoutMilliseconds <= 0 {
            diagnostics.append(.error("invalid-keepalive", "upstream '\(config.name)': keep-alive idle timeout must be > 0 ms (got \(keepAlive.idleTimeoutMilliseconds)); using \(standard.idleTimeoutMilliseconds) ms", at: config.location))
            keepAlive.idleTimeoutMilliseconds = standard.idleTimeoutMilliseconds
        }
        if let tls = config.tls, !tls.verify {
            diagnostics.append(.warning("tls-verify-off", "upstream '\(config.name)': certificate verification is off; anyone on the path can impersonate this upstream", at: tls.location))
        }
        let upstream = CompiledUpstream(
            name: config.name, endpoints: endpoints, balance: config.balance, keepAlive: keepAlive,
            connectTimeoutMilliseconds: connect, readTimeoutMilliseconds: read, sendTimeoutMilliseconds: send,
            tls: config.tls, httpProtocol: config.httpProtocol, failures: config.failures,
            keyed: keyedBalancing(config, endpoints: endpoints, diagnostics: &diagnostics))
        return (upstream, diagnostics)
    }

    /// Affinity wins over hashing, as ingress-nginx's balancer chooses; settings the
    /// readers let through unchecked (built in code) are checked here.
    private static func keyedBalancing(_ config: UpstreamConfig, endpoints: [HostPort], diagnostics: inout [Diagnostic]) -> CompiledKeyedBalancing? {
        if let affinity = config.affinity {
            if config.hash != nil {
                diagnostics.append(.warning("hash-with-affinity", "upstream '\(config.name)': session affinity wins over consistent hashing, which is not used", at: affinity.location))
            }
            if let problem = affinity.problems.first {
                diagnostics.append(.error("invalid-affinity", "upstream '\(config.name)': affinity \(problem); the upstream is balanced without it", at: affinity.location))
                return nil
            }
            return CompiledKeyedBalancing(kind: .affinity(affinity), upstream: config.name, endpoints: endpoints)
        }
        if let hash = config.hash {
            if let size = hash.subsetSize, size < 1 || size > UpstreamHashConfig.largestSubset {
                diagnostics.append(.error("invalid-hash", "upstream '\(config.name)': hash subset size \(size) is not from 1 to \(UpstreamHashConfig.largestSubset); the upstream is balanced without hashing", at: hash.location))
                return nil
            }
            return CompiledKeyedBalancing(kind: .hash(hash), upstream: config.name, endpoints: endpoints)
        }
        return nil
    }

    private static func compileEndpoints(_ config: UpstreamConfig) -> ([HostPort], [Diagnostic]) {
        var endpoints: [HostPort] = []
        var diagnostics: [Diagnostic] = []
        var seen: [HostPort: SourceLocation] = [:]
        for endpoint in config.endpoints {
            switch HostPort.parseChecked(endpoint.address, allowWildcard: false) {
            case .failure(let problem):
                diagnostics.append(.error("invalid-endpoint", "upstream '\(config.name)': endpoint '\(endpoint.address)' \(problem.explanation); it is dropped", at: endpoint.location))
            case .success(var address):
                address.resolvedFrom = endpoint.resolvedFrom
                if let earlier = seen[address] {
                    diagnostics.append(.warning("duplicate-endpoint", "upstream '\(config.name)': endpoint \(address) is already listed at \(earlier); it is used once", at: endpoint.location))
                    continue
                }
                seen[address] = endpoint.location
                endpoints.append(address)
            }
        }
        return (endpoints, diagnostics)
    }
}
