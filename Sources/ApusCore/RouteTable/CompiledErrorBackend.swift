/// A route's error backend as workers use it (see `ErrorBackendConfig`): the upstream
/// resolved to an index, the statuses it takes over, and the lines that describe the
/// route to it. Immutable, shared by workers.
public final class CompiledErrorBackend: Sendable {
    /// Index of the upstream that serves the error pages.
    public let upstream: Int
    /// The statuses taken over, as bits from 400 (`ErrorBackendConfig.statusRange`).
    private let statuses: [UInt64]
    /// Whether any status is taken over (else only the no-endpoint fallback applies).
    public let interceptsStatuses: Bool
    /// `X-Namespace`, `X-Ingress-Name`, `X-Service-Name` and `X-Service-Port` lines, those
    /// with a value, each ending in CRLF.
    public let routeLines: [UInt8]
    /// As configured, for `/routes`.
    public let config: ErrorBackendConfig

    /// `config` passed `RouteTableCompiler.checkSettings`; `service` names the route's
    /// upstream when the config names none.
    init(config: ErrorBackendConfig, upstream: Int, service: String) {
        self.config = config
        self.upstream = upstream
        var bits = [UInt64](repeating: 0, count: 4)
        for status in config.statuses where ErrorBackendConfig.statusRange.contains(status) {
            bits[(status - 400) >> 6] |= 1 << UInt64((status - 400) & 63)
        }
        statuses = bits
        interceptsStatuses = !config.statuses.isEmpty
        var lines = ""
        for (name, value) in [("X-Namespace", config.namespace), ("X-Ingress-Name", config.ingressName),
                              ("X-Service-Name", config.serviceName.isEmpty ? service : config.serviceName),
                              ("X-Service-Port", config.servicePort)] where !value.isEmpty {
            lines += "\(name): \(value)\r\n"
        }
        routeLines = Array(lines.utf8)
    }

    public func intercepts(_ status: Int) -> Bool {
        guard ErrorBackendConfig.statusRange.contains(status) else { return false }
        return statuses[(status - 400) >> 6] & (1 << UInt64((status - 400) & 63)) != 0
    }
}
