/// Where the API server is and how to prove who we are: what a kubeconfig context or the
/// in-cluster service account boils down to.
public struct KubernetesClientConfig: Equatable, Sendable {
    public enum Scheme: String, Sendable {
        case http, https
    }

    public var scheme: Scheme
    /// A DNS name or an IP literal (without brackets).
    public var host: String
    public var port: Int
    /// Bearer token: none, fixed text (kubeconfig `token`) or a file re-read when it
    /// changes (the in-cluster projected token, kubeconfig `tokenFile`).
    public var token: TokenSource?
    /// Trusted CAs: a file and/or PEM text; neither means the system's CAs.
    public var caFile: String?
    public var caPEM: String?
    public var insecureSkipTLSVerify: Bool
    /// The name to check the server's certificate against, when not `host` (kubeconfig `tls-server-name`).
    public var tlsServerName: String?
    public var clientCertificateFile: String?
    public var clientKeyFile: String?
    public var clientCertificatePEM: String?
    public var clientKeyPEM: String?
    /// The context's default namespace (informational; `--watch-namespace` decides the scope).
    public var namespace: String?
    /// `in-cluster` or `kubeconfig FILE (context NAME)`, for log lines.
    public var origin: String

    public enum TokenSource: Equatable, Sendable {
        case fixed(String)
        case file(String)
    }

    public init(scheme: Scheme, host: String, port: Int, origin: String) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.token = nil
        self.insecureSkipTLSVerify = false
        self.origin = origin
    }

    /// `host:port` (IPv6 in brackets), for messages.
    public var server: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The server as a URL, for messages.
    public var url: String { "\(scheme.rawValue)://\(server)" }

    /// Reads the server URL of a kubeconfig cluster: `https://host[:port][/]`, `http://…`.
    static func parseServer(_ text: String) -> (Scheme, String, Int)? {
        let scheme: Scheme
        var rest: Substring
        if text.hasPrefix("https://") {
            scheme = .https
            rest = text.dropFirst(8)
        } else if text.hasPrefix("http://") {
            scheme = .http
            rest = text.dropFirst(7)
        } else {
            return nil
        }
        if let slash = rest.firstIndex(of: "/") {
            // A path prefix (an API behind a proxy) is not supported; a bare "/" is harmless.
            guard rest[slash...] == "/" else { return nil }
            rest = rest[..<slash]
        }
        var host: Substring
        var port = scheme == .https ? 443 : 80
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let value = Int(after.dropFirst()) else { return nil }
                port = value
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            guard let value = Int(rest[rest.index(after: colon)...]) else { return nil }
            port = value
        } else {
            host = rest
        }
        guard !host.isEmpty, (1...65535).contains(port) else { return nil }
        return (scheme, String(host), port)
    }
}
