import ApusCore
import Yams

/// `upstreams:`, a mapping from upstream name to its endpoints and connection settings.
extension ConfigNodeReader {
    static let upstreamKeys = ["endpoints", "balance", "keepalive", "connect_timeout", "read_timeout", "send_timeout", "tls", "protocol",
                               "retry_non_idempotent", "ignore_client_abort", "max_tries", "retry_window", "affinity", "hash_by", "hash_subset_size"]

    /// IPv6 endpoints are the usual way to end up with a sequence where an address belongs.
    private static let addressHint = " (quote IPv6 addresses: \"[::1]:9001\")"

    mutating func upstreams(in top: MappingFields) -> [UpstreamConfig] {
        guard let node = presentValue("upstreams", in: top, expected: "a mapping", required: false) else { return [] }
        guard case let .mapping(mapping) = node else {
            wrongType("upstreams", expected: "a mapping of upstream names", found: node)
            return []
        }
        var upstreams: [UpstreamConfig] = []
        for (keyNode, value) in pairs(of: mapping, at: "upstreams") {
            guard case let .scalar(scalar) = keyNode, !keyNode.isNull else {
                wrongType("an upstream name", expected: "a string", found: keyNode)
                continue
            }
            if let upstream = upstream(named: scalar.string, keyNode: keyNode, value: value) {
                upstreams.append(upstream)
            }
        }
        return upstreams
    }

    /// One upstream; located at its name, which is what a user searches for.
    private mutating func upstream(named name: String, keyNode: Node, value: Node) -> UpstreamConfig? {
        let context = "upstreams.\(name)"
        guard let fields = fields(of: value, at: context, allowed: Self.upstreamKeys) else { return nil }
        let endpoints = endpoints(in: fields)
        let balance = choice("balance", in: fields, options: BalancePolicy.allCases.map(\.rawValue), as: BalancePolicy.self)
        let keepAlive = keepAlive(in: fields)
        let connect = duration("connect_timeout", in: fields)
        let read = duration("read_timeout", in: fields)
        let send = duration("send_timeout", in: fields)
        let tls = upstreamTLS(in: fields)
        let httpProtocol = choice("protocol", in: fields, options: UpstreamProtocol.allCases.map(\.rawValue), as: UpstreamProtocol.self)
        let failures = UpstreamFailurePolicy(
            retryNonIdempotent: boolean("retry_non_idempotent", in: fields) ?? false,
            ignoreClientAbort: boolean("ignore_client_abort", in: fields) ?? false,
            maxTries: integer("max_tries", in: fields, minimum: 0, maximum: 64),
            retryWindowMilliseconds: duration("retry_window", in: fields) ?? 0)
        let affinity = affinity(in: fields)
        let hash = upstreamHash(in: fields)
        if affinity != nil, let hashNode = fields["hash_by"] {
            error("invalid-hash", "\(context): affinity and hash_by exclude each other (affinity would win); keep one", at: hashNode)
        }
        guard let endpoints else { return nil }
        var upstream = UpstreamConfig(
            name: name, endpoints: endpoints, balance: balance ?? .roundRobin, keepAlive: keepAlive,
            connectTimeoutMilliseconds: connect, readTimeoutMilliseconds: read, sendTimeoutMilliseconds: send,
            tls: tls, failures: failures, affinity: affinity, hash: hash, location: location(of: keyNode))
        upstream.httpProtocol = httpProtocol ?? .http1
        return upstream
    }

    private mutating func endpoints(in fields: MappingFields) -> [EndpointConfig]? {
        guard let items = sequence("endpoints", in: fields, required: true) else { return nil }
        var endpoints: [EndpointConfig] = []
        for (index, item) in items.enumerated() {
            let context = "\(fields.contextPath("endpoints"))[\(index)]"
            if let address = string(item, at: context, hint: Self.addressHint) {
                endpoints.append(EndpointConfig(address: address, location: location(of: item)))
            }
        }
        return endpoints
    }

    private mutating func keepAlive(in fields: MappingFields) -> KeepAliveConfig {
        var keepAlive = KeepAliveConfig()
        guard let section = section("keepalive", in: fields, allowed: ["max_idle", "idle_timeout"]) else {
            return keepAlive
        }
        if let maxIdle = integer("max_idle", in: section) { keepAlive.maxIdle = maxIdle }
        if let idle = duration("idle_timeout", in: section) { keepAlive.idleTimeoutMilliseconds = idle }
        return keepAlive
    }
}
