extension RouteTableCompiler {
    /// External auth on the request's own host (`https://$host/oauth2/auth`) is sent to the
    /// upstream of the rule that serves that path on the host. When no rule does, or it is
    /// the protected rule itself (the oauth2-proxy Ingress was not applied), every request
    /// would be refused or asked of the application: said at load, per rule.
    static func externalAuthTargets(_ table: RouteTable) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let scratch = MatchScratch()
        for (index, route) in table.routes.enumerated() {
            guard let auth = route.externalAuth, auth.upstream < 0, let host = route.host, !host.hasPrefix("*."),
                  auth.url.target.isConstant else { continue }
            let target = auth.url.target.pieces.map { if case .text(let text) = $0 { text } else { "" } }.joined()
            let path = String(target.prefix { $0 != "?" })
            let matched = Array(host.utf8).withUnsafeBytes { host in
                Array(path.utf8).withUnsafeBytes { path in table.match(host: host, path: path, scratch: scratch) }
            }
            let problem: String?
            if matched < 0 {
                problem = "no rule of host \(host) serves \(path), so every request answers 500"
            } else if case .proxy = table.routes[matched].action {
                problem = matched == index || table.routes[matched].externalAuth != nil
                    ? "\(path) on host \(host) is served by a rule behind external auth itself, so the auth request goes to that rule's application; add a rule for the auth service's path (the oauth2-proxy Service)"
                    : nil
            } else {
                problem = "\(path) on host \(host) is not proxied, so every request answers 500"
            }
            if let problem {
                diagnostics.append(.warning("external-auth-target", "\(route.label): external auth url '\(auth.config.url)': \(problem)", at: auth.config.location))
            }
        }
        return diagnostics
    }
}
