import ApusCore

/// ingress-nginx's ConfigMap (its global settings) as the controller `--config` of Apus:
/// what each key becomes, and the YAML that says it (`apus migrate --write`).
public struct NginxConfigMapMapping: Sendable {
    /// One key of the ConfigMap and what Apus does with it.
    public struct Key: Sendable, Equatable {
        public var name: String
        public var value: String
        /// `config.path: value` in Apus's YAML, or nil when it is not mapped.
        public var becomes: String?
        /// Why not, or what differs.
        public var note: String
    }

    public private(set) var keys: [Key] = []
    private var workers: String?
    private var proxyProtocol = false
    private var trustedProxies: [String]?
    private var forwardedHeader: String?
    private var maxBodySize = "1m"
    private var timeouts: [(String, String)] = []
    private var gzip: [(String, String)] = []
    private var accessLogFormat = "json"
    /// `apus controller` flags the keys (and ingress-nginx's defaults for absent ones) ask
    /// for, as a shell would take them.
    public private(set) var controllerFlags: [String] = []

    public init(data: [String: String]) {
        let trusts = data["use-forwarded-headers"].flatMap { Self.goBool($0.trimmingSpaces) } ?? false
        let hsts = Self.hsts(data)
        if let config = hsts.config { controllerFlags.append(Self.hstsFlag(config)) }
        for (name, raw) in data.sorted(by: { $0.key < $1.key }) {
            let value = raw.trimmingSpaces
            func mapped(_ becomes: String, _ note: String = "") { keys.append(Key(name: name, value: value, becomes: becomes, note: note)) }
            func unmapped(_ note: String) { keys.append(Key(name: name, value: value, becomes: nil, note: note)) }
            func seconds(_ key: String) {
                guard let number = Int(value), number > 0 else { return unmapped("'\(value)' is not a number of seconds") }
                timeouts.append((key, "\(number)s"))
                mapped("timeouts.\(key): \(number)s")
            }
            switch name {
            case "worker-processes":
                guard value == "auto" || (Int(value) ?? 0) > 0 else { unmapped("'\(value)' is not auto or a count"); continue }
                workers = value
                mapped("workers: \(value)", "one event loop per worker")
            case "use-proxy-protocol":
                proxyProtocol = Self.goBool(value) ?? false
                mapped("listeners[*].proxy_protocol: \(proxyProtocol)")
            case "use-forwarded-headers":
                if trusts {
                    trustedProxies = Self.ranges(data["proxy-real-ip-cidr"]) ?? ["0.0.0.0/0", "::/0"]
                    mapped("client_address.trusted_proxies: [\(trustedProxies!.joined(separator: ", "))]",
                           data["proxy-real-ip-cidr"] == nil ? "ingress-nginx trusts X-Forwarded-For from everyone unless proxy-real-ip-cidr says otherwise" : "")
                } else {
                    mapped("(default)", "X-Forwarded-For from clients is not trusted, as in Apus by default")
                }
            case "proxy-real-ip-cidr":
                if trusts { mapped("client_address.trusted_proxies", "see use-forwarded-headers") } else {
                    unmapped(data["use-proxy-protocol"].flatMap { Self.goBool($0.trimmingSpaces) } == true ? "Apus takes the PROXY protocol header from any peer of a proxy_protocol listener; restrict who reaches it in the network" : "has no effect without use-forwarded-headers: \"true\"")
                }
            case "forwarded-for-header":
                if trusts {
                    forwardedHeader = value
                    mapped("client_address.header: \(value)")
                } else {
                    unmapped("has no effect without use-forwarded-headers: \"true\"")
                }
            case "compute-full-forwarded-for":
                mapped("(default)", "Apus always appends the client to X-Forwarded-For")
            case "proxy-body-size":
                maxBodySize = value
                mapped("limits.max_body_size: \(value)")
            case "proxy-connect-timeout": seconds("upstream_connect")
            case "proxy-read-timeout": seconds("upstream_read")
            case "proxy-send-timeout": seconds("upstream_send")
            case "keep-alive": seconds("keepalive")
            case "client-header-timeout": seconds("header_read")
            case "use-gzip":
                let on = Self.goBool(value) ?? false
                gzip.append(("gzip", on ? "true" : "false"))
                mapped("compression.gzip: \(on)")
            case "gzip-level":
                guard let level = Int(value), (1...9).contains(level) else { unmapped("'\(value)' is not a level from 1 to 9"); continue }
                gzip.append(("level", value))
                mapped("compression.level: \(value)")
            case "gzip-min-length":
                guard let length = Int(value), length >= 0 else { unmapped("'\(value)' is not a length"); continue }
                gzip.append(("min_length", value))
                mapped("compression.min_length: \(value)")
            case "gzip-types":
                let types = value.split(separator: " ").map(String.init).filter { !$0.isEmpty }
                gzip.append(("types", "[" + types.joined(separator: ", ") + "]"))
                mapped("compression.types: [\(types.joined(separator: ", "))]")
            case "disable-access-log":
                if Self.goBool(value) == true { accessLogFormat = "off" }
                mapped("access_log.format: \(accessLogFormat)")
            case "ssl-redirect":
                if Self.goBool(value) == false {
                    unmapped("Apus redirects hosts with a TLS section by default, as ingress-nginx does; keep the old behaviour with ssl-redirect: \"false\" on each Ingress")
                } else {
                    mapped("(default)", "hosts with a TLS section are redirected to HTTPS")
                }
            case "hsts", "hsts-max-age", "hsts-include-subdomains", "hsts-preload":
                let problem = hsts.problems[name].map { $0 + "; " } ?? ""
                if let config = hsts.config {
                    mapped(Self.hstsFlag(config), problem + "over HTTPS, for the hosts of Ingresses' TLS sections (README: HTTPS redirect and HSTS)")
                } else if hsts.problems["hsts-max-age"] != nil {
                    unmapped(problem + "no HSTS")
                } else {
                    mapped("(default)", problem + "Apus adds Strict-Transport-Security only when the controller runs with --hsts")
                }
            case "custom-http-errors":
                let statuses = value.split(separator: ",").map { $0.trimmingOptionalWhitespace() }.filter { !$0.isEmpty }
                guard !statuses.isEmpty, statuses.allSatisfy({ Int($0).map(ErrorBackendConfig.statusRange.contains) ?? false }) else {
                    unmapped("'\(value)' is not a list of statuses from 400 to 599")
                    continue
                }
                controllerFlags.append("--custom-http-errors \(statuses.joined(separator: ","))")
                mapped(controllerFlags.last!, "a flag of apus controller, with --default-backend-service NAMESPACE/NAME for the Service that serves the pages")
            case "load-balance":
                switch value.trimmingOptionalWhitespace() {
                case "round_robin": mapped("(default)", "Apus balances round robin unless an Ingress says otherwise")
                case "ewma":
                    controllerFlags.append("--load-balance ewma")
                    mapped(controllerFlags.last!, "a flag of apus controller: peak EWMA for Ingresses without the load-balance annotation")
                default: unmapped("'\(value)' is not round_robin or ewma")
                }
            case "limit-req-status-code", "limit-conn-status-code":
                guard let status = Int(value.trimmingOptionalWhitespace()), (400...599).contains(status) else {
                    unmapped("'\(value)' is not a status from 400 to 599")
                    continue
                }
                if status == 503 {
                    mapped("(default)", "Apus answers 503 over a limit unless told otherwise")
                } else {
                    controllerFlags.append("--\(name) \(status)")
                    mapped(controllerFlags.last!, "a flag of apus controller")
                }
            case "allow-snippet-annotations", "annotations-risk-level", "strict-validate-path-type", "enable-underscores-in-headers":
                mapped("(default)", "Apus never executes snippets and validates every annotation and path")
            default:
                unmapped("no equivalent in Apus yet")
            }
        }
    }

    /// What ingress-nginx's four HSTS keys ask for, and what was wrong with any of them.
    private struct HSTSKeys {
        /// nil: no HSTS (off, or a max-age no browser would take).
        var config: HSTSConfig?
        var problems: [String: String] = [:]
    }

    /// ingress-nginx's HSTS from its four keys, its defaults (on, a year, includeSubDomains,
    /// no preload) for those absent. A boolean it cannot read keeps its default, as
    /// ingress-nginx's decoder does (with a warning in its log).
    private static func hsts(_ data: [String: String]) -> HSTSKeys {
        var keys = HSTSKeys()
        var flags: [String: Bool] = ["hsts": true, "hsts-include-subdomains": true, "hsts-preload": false]
        for (key, absent) in flags {
            guard let raw = data[key]?.trimmingSpaces else { continue }
            if let value = goBool(raw) { flags[key] = value } else {
                keys.problems[key] = "'\(raw)' is not a boolean, so ingress-nginx keeps its default (\(absent))"
            }
        }
        guard flags["hsts"]! else { return keys }
        let maxAge = data["hsts-max-age"]?.trimmingSpaces ?? "31536000"
        guard !maxAge.contains(";"), case .success(let parsed) = HSTSConfig.parse(headerValue: "max-age=\(maxAge)") else {
            keys.problems["hsts-max-age"] = "'\(maxAge)' is not a number of seconds: ingress-nginx sends a Strict-Transport-Security field browsers ignore"
            return keys
        }
        keys.config = HSTSConfig(maxAgeSeconds: parsed.maxAgeSeconds, includeSubdomains: flags["hsts-include-subdomains"]!, preload: flags["hsts-preload"]!)
        return keys
    }

    private static func hstsFlag(_ hsts: HSTSConfig) -> String {
        "--hsts '\(hsts.headerValue)'"
    }

    /// A boolean as ingress-nginx reads its ConfigMap (its decoder takes an empty string
    /// for false, anything else through Go's strconv.ParseBool).
    private static func goBool(_ text: String) -> Bool? {
        switch text {
        case "": return false
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: return nil
        }
    }

    private static func ranges(_ text: String?) -> [String]? {
        guard let text else { return nil }
        let list = text.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        return list.isEmpty ? nil : list
    }

    /// The controller's `--config` with the mapped settings, in the layout of
    /// conf/kubernetes/30-configmap.yaml.
    public var configYAML: String {
        var lines = ["# The controller's --config, written by `apus migrate` from ingress-nginx's ConfigMap."]
        if !controllerFlags.isEmpty { lines.append("# Run the controller with: " + controllerFlags.joined(separator: " ")) }
        lines.append("")
        lines.append("workers: \(workers ?? "2")")
        lines += ["", "admin:", "  listen: 0.0.0.0:9901", "", "listeners:"]
        lines += ["  - name: http", "    listen: 0.0.0.0:8080"]
        if proxyProtocol { lines.append("    proxy_protocol: true") }
        lines += ["  - name: https", "    listen: 0.0.0.0:8443"]
        if proxyProtocol { lines.append("    proxy_protocol: true") }
        lines += ["    tls:", "      certificates:", "        - cert: /etc/apus/tls/tls.crt", "          key: /etc/apus/tls/tls.key"]
        if let trustedProxies {
            lines += ["", "client_address:", "  trusted_proxies: [" + trustedProxies.map { "\"\($0)\"" }.joined(separator: ", ") + "]"]
            if let forwardedHeader { lines.append("  header: \(forwardedHeader)") }
        }
        lines += ["", "limits:", "  max_body_size: \(maxBodySize)", "", "timeouts:", "  drain: 30s"]
        for (key, value) in timeouts { lines.append("  \(key): \(value)") }
        if !gzip.isEmpty {
            lines += ["", "compression:"]
            for (key, value) in gzip { lines.append("  \(key): \(value)") }
        }
        lines += ["", "access_log:", "  format: \(accessLogFormat)", ""]
        return lines.joined(separator: "\n")
    }
}
