/// Turns a `Configuration` into a `RouteTable`: the only place that decides validity.
///
/// A bad rule is diagnosed and dropped; its neighbours keep working. Placeholder
/// implementation: resolves upstreams and addresses only.
public enum RouteTableCompiler {
    public static func compile(_ configuration: Configuration) -> (RouteTable, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var upstreamIndex: [String: Int] = [:]
        var upstreams: [CompiledUpstream] = []
        let t = configuration.timeouts
        for upstream in configuration.upstreams {
            let endpoints = upstream.endpoints.compactMap { HostPort.parse($0.address) }
            upstreamIndex[upstream.name] = upstreams.count
            upstreams.append(CompiledUpstream(
                name: upstream.name, endpoints: endpoints, balance: upstream.balance, keepAlive: upstream.keepAlive,
                connectTimeoutMilliseconds: upstream.connectTimeoutMilliseconds ?? t.upstreamConnect,
                readTimeoutMilliseconds: upstream.readTimeoutMilliseconds ?? t.upstreamRead,
                sendTimeoutMilliseconds: upstream.sendTimeoutMilliseconds ?? t.upstreamSend))
        }
        var routes: [CompiledRoute] = []
        for route in configuration.routes {
            for rule in route.paths {
                let action: CompiledAction
                switch rule.action {
                case .proxy(let name):
                    guard let index = upstreamIndex[name] else {
                        diagnostics.append(.error("undefined-upstream", "upstream '\(name)' is not defined", at: rule.location))
                        continue
                    }
                    action = .proxy(upstream: index)
                case .staticFiles(let s): action = .staticFiles(s)
                case .redirect(let r): action = .redirect(r)
                case .fixedResponse(let f): action = .fixedResponse(status: f.status, body: Array(f.body.utf8), contentType: f.contentType)
                }
                routes.append(CompiledRoute(
                    label: "\(route.host ?? "*") \(rule.path)", host: route.host?.lowercased(), path: rule.path,
                    match: rule.match, action: action))
            }
        }
        var listeners: [CompiledListener] = []
        for listener in configuration.listeners {
            guard let address = HostPort.parse(listener.listen) else {
                diagnostics.append(.error("invalid-address", "'\(listener.listen)' is not host:port", at: listener.location))
                continue
            }
            listeners.append(CompiledListener(name: listener.name, address: address))
        }
        let table = RouteTable(
            workers: configuration.workers, admin: configuration.admin.flatMap { HostPort.parse($0.listen) },
            listeners: listeners, upstreams: upstreams, routes: routes, hosts: HostIndex(),
            limits: configuration.limits, timeouts: configuration.timeouts, accessLog: configuration.accessLog)
        return (table, diagnostics)
    }
}

extension HostPort {
    /// Parses `1.2.3.4:80`, `[::1]:80` or `localhost:80`; nil when malformed.
    public static func parse(_ text: String) -> HostPort? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = UInt16(text[text.index(after: colon)...]), port != 0 else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" { host = "127.0.0.1" }
        if host.isEmpty || host == "*" { host = "0.0.0.0" }
        return HostPort(host: host, port: port)
    }
}
