import ApusCore
import Yams

/// The top of the schema: the document mapping and its small sections
/// (`workers`, `admin`, `listeners`, `limits`, `timeouts`, `access_log`, `idle_naps`).
extension ConfigNodeReader {
    static let topLevelKeys = ["workers", "admin", "listeners", "routes", "upstreams", "limits", "timeouts", "access_log", "compression", "idle_naps", "client_address", "error_pages", "http2"]

    /// The whole document; values left out come from the `Configuration` initialisers.
    mutating func configuration(from root: Node) -> Configuration {
        var configuration = Configuration()
        guard let top = fields(of: root, at: "", allowed: Self.topLevelKeys) else { return configuration }
        if let workers = workers(in: top) {
            configuration.workers = workers
            if let node = top["workers"] { configuration.workersLocation = location(of: node) }
        }
        configuration.admin = admin(in: top)
        configuration.listeners = listeners(in: top)
        configuration.routes = routes(in: top)
        configuration.upstreams = upstreams(in: top)
        configuration.limits = limits(in: top)
        configuration.timeouts = timeouts(in: top)
        configuration.http2 = http2(in: top)
        configuration.accessLog = accessLog(in: top)
        configuration.clientAddress = clientAddress(in: top)
        configuration.compression = compression(in: top)
        configuration.errorPages = errorPages(in: top)
        if let idleNaps = boolean("idle_naps", in: top) { configuration.idleNaps = idleNaps }
        configuration.addExternalAuthUpstreams()
        return configuration
    }

    private mutating func workers(in top: MappingFields) -> WorkerCount? {
        guard let node = presentValue("workers", in: top, expected: "auto or an integer", required: false) else {
            return nil
        }
        guard let text = string(node, at: "workers") else { return nil }
        if text == "auto" { return .auto }
        if let count = Int(text), count > 0 { return .count(count) }
        error("bad-value", "workers: expected 'auto' or a positive integer, found '\(text)'", at: node)
        return nil
    }

    private mutating func admin(in top: MappingFields) -> AdminConfig? {
        guard let fields = section("admin", in: top, allowed: ["listen"]),
              let listen = string("listen", in: fields, required: true)
        else { return nil }
        return AdminConfig(listen: listen, location: location(of: fields.node))
    }

    private mutating func listeners(in top: MappingFields) -> [ListenerConfig] {
        var listeners: [ListenerConfig] = []
        for (index, item) in (sequence("listeners", in: top) ?? []).enumerated() {
            guard let fields = fields(of: item, at: "listeners[\(index)]", allowed: ["name", "listen", "tls", "proxy_protocol", "http2", "h2c"]) else { continue }
            let name = string("name", in: fields)
            let tls = listenerTLS(in: fields)
            let proxyProtocol = boolean("proxy_protocol", in: fields) ?? false
            let http2 = boolean("http2", in: fields) ?? true
            let h2c = boolean("h2c", in: fields) ?? false
            guard let listen = string("listen", in: fields, required: true) else { continue }
            if h2c && tls != nil {
                error("bad-value", "listeners[\(index)].h2c: h2c is HTTP/2 in plaintext; an HTTPS listener offers HTTP/2 through ALPN (http2)",
                      at: item)
            }
            // An unnamed listener is named after its address, which is unique among listeners.
            listeners.append(ListenerConfig(
                name: name ?? listen, listen: listen, tls: tls, proxyProtocol: proxyProtocol, http2: http2, h2c: h2c,
                location: location(of: item)))
        }
        return listeners
    }

    private mutating func limits(in top: MappingFields) -> LimitsConfig {
        var limits = LimitsConfig()
        let allowed = ["max_head_size", "max_headers", "max_uri_length", "max_body_size", "rate_limit_status", "connection_limit_status"]
        guard let fields = section("limits", in: top, allowed: allowed) else { return limits }
        let largest = LimitsConfig.largestHeadBytes
        if let value = intSize("max_head_size", in: fields, maximum: largest, spelled: "1m") { limits.maxHeadBytes = value }
        if let value = integer("max_headers", in: fields, minimum: 1, maximum: LimitsConfig.largestHeaderCount) { limits.maxHeaderCount = value }
        if let value = intSize("max_uri_length", in: fields, maximum: largest, spelled: "1m") { limits.maxURIBytes = value }
        if let value = size("max_body_size", in: fields) { limits.maxBodyBytes = value }
        if let value = integer("rate_limit_status", in: fields, minimum: 400, maximum: 599) { limits.rateLimitStatus = value }
        if let value = integer("connection_limit_status", in: fields, minimum: 400, maximum: 599) { limits.connectionLimitStatus = value }
        return limits
    }

    /// A size from 1 byte to `maximum` (written `spelled` in the diagnostic).
    private mutating func intSize(_ key: String, in fields: MappingFields, maximum: Int, spelled: String) -> Int? {
        guard let value = size(key, in: fields), let node = fields[key] else { return nil }
        guard value >= 1, value <= maximum else {
            error("bad-value", "\(fields.contextPath(key)): expected a size from 1 to \(spelled), found \(value)", at: node)
            return nil
        }
        return Int(value)
    }

    private mutating func timeouts(in top: MappingFields) -> TimeoutsConfig {
        var timeouts = TimeoutsConfig()
        let allowed = ["header_read", "keepalive", "upstream_connect", "upstream_read", "upstream_send", "drain", "tls_handshake", "tunnel_idle"]
        guard let fields = section("timeouts", in: top, allowed: allowed) else { return timeouts }
        if let value = duration("header_read", in: fields) { timeouts.headerRead = value }
        if let value = duration("keepalive", in: fields) { timeouts.keepAliveIdle = value }
        if let value = duration("upstream_connect", in: fields) { timeouts.upstreamConnect = value }
        if let value = duration("upstream_read", in: fields) { timeouts.upstreamRead = value }
        if let value = duration("upstream_send", in: fields) { timeouts.upstreamSend = value }
        if let value = duration("drain", in: fields) { timeouts.drain = value }
        if let value = duration("tls_handshake", in: fields) { timeouts.tlsHandshake = value }
        if let value = duration("tunnel_idle", in: fields) { timeouts.tunnelIdle = value }
        return timeouts
    }

    private mutating func http2(in top: MappingFields) -> HTTP2Config {
        var http2 = HTTP2Config()
        let allowed = ["max_concurrent_streams", "initial_window_size", "max_header_list_size", "header_table_size", "idle_timeout"]
        guard let fields = section("http2", in: top, allowed: allowed) else { return http2 }
        if let value = integer("max_concurrent_streams", in: fields, minimum: 1, maximum: HTTP2Config.largestStreams) {
            http2.maxConcurrentStreams = value
        }
        if let value = intSize("initial_window_size", in: fields, maximum: HTTP2Config.largestWindow, spelled: "2147483647") {
            http2.initialWindowSize = value
        }
        if let value = intSize("max_header_list_size", in: fields, maximum: HTTP2Config.largestHeaderBytes, spelled: "1m") {
            http2.maxHeaderListSize = value
        }
        if let value = integer("header_table_size", in: fields, minimum: 0, maximum: 65_536) { http2.headerTableSize = value }
        if let value = duration("idle_timeout", in: fields) { http2.idleTimeout = value }
        return http2
    }

    /// `client_address: { trusted_proxies: [10.0.0.0/8], header: X-Forwarded-For }`.
    private mutating func clientAddress(in top: MappingFields) -> ClientAddressConfig? {
        guard let fields = section("client_address", in: top, allowed: ["trusted_proxies", "header"]) else { return nil }
        let proxies = (sequence("trusted_proxies", in: fields, required: true) ?? []).enumerated().compactMap { index, item in
            string(item, at: "\(fields.contextPath("trusted_proxies"))[\(index)]", hint: " (an address or network such as 10.0.0.0/8)")
        }
        var config = ClientAddressConfig(trustedProxies: proxies, location: location(of: fields.node))
        if let header = string("header", in: fields) { config.header = header }
        return config
    }

    /// `error_pages: { 502: errors/502.html, 503: errors/503.html }`: each file is read now,
    /// its media type taken from its extension; the compiler checks the statuses.
    private mutating func errorPages(in top: MappingFields) -> [ErrorPageConfig] {
        guard let node = top["error_pages"], !node.isNull else { return [] }
        guard case let .mapping(mapping) = node else {
            wrongType("error_pages", expected: "a mapping of statuses to files", found: node)
            return []
        }
        var pages: [ErrorPageConfig] = []
        for (keyNode, value) in pairs(of: mapping, at: "error_pages") {
            guard let key = keyNode.scalar?.string, let status = Int(key) else {
                wrongType("a key in error_pages", expected: "a status such as 503", found: keyNode)
                continue
            }
            guard let file = string(value, at: "error_pages.\(key)", hint: " (a file)") else { continue }
            let resolved = ConfigRelativePath.resolve(file, relativeTo: path)
            switch ConfigFileReader.bytes(of: resolved, maximumBytes: 1 << 20) {
            case .success(let bytes):
                pages.append(ErrorPageConfig(status: status, body: bytes, contentType: ErrorPageConfig.contentType(ofFile: resolved),
                                             file: resolved, location: location(of: value)))
            case .failure(let failure):
                error("error-page", "error_pages.\(key): cannot read \(resolved): \(failure.reason)", at: value)
            }
        }
        return pages
    }

    private mutating func accessLog(in top: MappingFields) -> AccessLogConfig {
        var accessLog = AccessLogConfig()
        guard let fields = section("access_log", in: top, allowed: ["format", "path"]) else { return accessLog }
        if let format = choice("format", in: fields, options: ["combined", "json", "off"], as: AccessLogConfig.Format.self) {
            accessLog.format = format
        }
        // "-" is standard output, like an omitted path; nil is the one spelling consumers check.
        if let path = string("path", in: fields), path != "-" {
            accessLog.path = ConfigRelativePath.resolve(path, relativeTo: self.path)
        }
        return accessLog
    }
}
