import ApusCore

/// The configuration of quick mode (`serve --listen A --upstream B`): every request to B.
enum QuickConfiguration {
    static func make(
        listen: String, upstreams: [String], workers: String?, admin: String?, accessLog: String?,
        certificate: CertificateConfig? = nil, upstreamProtocol: String? = nil
    ) -> Configuration? {
        var httpProtocol = UpstreamProtocol.http1
        if let upstreamProtocol {
            guard let chosen = UpstreamProtocol(rawValue: upstreamProtocol) else { return nil }
            httpProtocol = chosen
        }
        var workerCount = WorkerCount.auto
        if let workers, workers != "auto" {
            guard let n = Int(workers), n > 0 else { return nil }
            workerCount = .count(n)
        }
        var log = AccessLogConfig(format: .off)
        if let accessLog {
            guard let format = AccessLogConfig.Format(rawValue: accessLog) else { return nil }
            log.format = format
        }
        var upstream = UpstreamConfig(
            name: "upstream", endpoints: upstreams.map { EndpointConfig(address: $0, location: .commandLine) },
            location: .commandLine)
        upstream.httpProtocol = httpProtocol
        return Configuration(
            workers: workerCount,
            admin: admin.map { AdminConfig(listen: $0, location: .commandLine) },
            listeners: [ListenerConfig(
                name: "quick", listen: listen,
                tls: certificate.map { ListenerTLSConfig(certificates: [$0], location: .commandLine) },
                location: .commandLine)],
            routes: [RouteConfig(host: nil, paths: [
                PathRuleConfig(path: "/", match: .prefix, action: .proxy(upstream: "upstream"), location: .commandLine),
            ], location: .commandLine)],
            upstreams: [upstream],
            accessLog: log)
    }
}
