import ApusCore

/// The settings an Ingress's `apus.dev/` and `nginx.ingress.kubernetes.io/` annotations ask for.
///
/// Two dialects of the same features (../shared/kubernetes/annotations.md): `apus.dev/`
/// with clean semantics, `nginx.ingress.kubernetes.io/` with ingress-nginx's. Annotations
/// under other prefixes belong to other tools and are ignored. An annotation under our
/// prefixes that is unknown, has a bad value, or asks for something Apus cannot do yet
/// refuses the whole Ingress (an error): it is never served half-configured. Snippets
/// are the one exception, as annotations.md says: served without them, with a warning.
struct IngressAnnotations: Equatable {
    enum RegexMode: Equatable {
        case off
        /// `apus.dev/use-regex`: ImplementationSpecific paths of this Ingress are
        /// case-sensitive whole-path regexes.
        case pathLocal
        /// `nginx.ingress.kubernetes.io/use-regex`: every Prefix and ImplementationSpecific
        /// path of the Ingress's hosts, across Ingresses, becomes a case-insensitive regex
        /// anchored at the start.
        case nginxHostWide
    }

    var regex: RegexMode = .off
    /// `backend-protocol: HTTPS` or `GRPCS`; nil for plain HTTP.
    var upstreamTLS: UpstreamTLSMode?
    /// `backend-protocol: GRPC` or `GRPCS`: the Service speaks HTTP/2.
    var upstreamHTTP2 = false
    /// `proxy-next-upstream`, `-tries` and `-timeout`: the upstream's retry policy.
    var failures: UpstreamFailurePolicy?
    var connectTimeoutMilliseconds: Int?
    var readTimeoutMilliseconds: Int?
    var sendTimeoutMilliseconds: Int?
    var balance: BalancePolicy?
    /// `limit-rps`, `limit-rpm`, `limit-burst-multiplier`, `limit-connections`,
    /// `limit-allowlist`.
    var rateLimit: RateLimitConfig?
    /// `affinity: cookie` and the `session-cookie-*` values.
    var affinity: AffinityConfig?
    /// `upstream-hash-by` and its subsets.
    var upstreamHash: UpstreamHashConfig?
    /// `rewrite-target`: the path sent upstream (`/$2`), for every path of the Ingress.
    var rewriteTarget: String?
    /// `proxy-body-size`, in bytes (0 = unlimited).
    var maxBodyBytes: Int64?
    /// `ssl-redirect`: nil leaves the default (on for hosts the TLS section covers).
    var sslRedirect: Bool?
    /// `force-ssl-redirect: "true"`: redirect every path, TLS section or not.
    var forceSSLRedirect = false
    /// `allow-source-range` (nginx: `allowlist-source-range`, `whitelist-source-range`):
    /// only these client addresses or networks may use the Ingress's paths.
    var allowSourceRange: [String]?
    /// `deny-source-range` (nginx: `denylist-source-range`): these may not.
    var denySourceRange: [String]?
    /// `basic-auth-secret` (nginx: `auth-type: basic` with `auth-secret`).
    var basicAuth: BasicAuthAnnotation?
    /// `auth-url` and its kin, the same names in both dialects.
    var externalAuth: ExternalAuthConfig?
    /// `auth-proxy-set-headers`: a ConfigMap whose entries are set on the auth request.
    var authProxySetHeaders: String?
    /// `enable-cors` and `cors-*`, the same names in both dialects.
    var cors: CORSConfig?
    /// `permanent-redirect` or `temporal-redirect` (with its code): every path of the
    /// Ingress answers with this redirect instead of proxying.
    var redirect: RedirectConfig?
    /// `app-root`: a request for exactly `/` on the Ingress's hosts is redirected here (302).
    var appRoot: String?
    /// `upstream-vhost`: the Host sent upstream.
    var upstreamHost: String?
    /// `x-forwarded-prefix`: sent upstream as `X-Forwarded-Prefix`.
    var forwardedPrefix: String?
    /// `from-to-www-redirect`: `www.H` and `H` redirect (308) to the one the rules name.
    var wwwRedirect = false
    /// `server-alias`: more host names served by the Ingress's rules.
    var serverAliases: [String] = []
    /// `preserve-trailing-slash: "false"`: the redirect to HTTPS drops a final `/`.
    var stripsTrailingSlash: Bool?
    /// `enable-access-log: "false"`.
    var accessLog: Bool?
    /// `auth-tls-secret` and the `auth-tls-*` values that go with it.
    var clientCertificates: ClientCertificateAnnotation?
    /// `custom-http-errors`: statuses served by the error backend (400 to 599).
    var customHTTPErrors: [Int]?
    /// `default-backend`: a Service of the Ingress's namespace that serves the Ingress's
    /// errors, and its requests while its Services have no endpoint.
    var defaultBackend: String?
    /// `disable-proxy-intercept-errors: "true"`: no status is replaced (the no-endpoint
    /// fallback stays).
    var interceptsErrors = true
    /// `custom-headers`: a ConfigMap (`NAME` or `NAMESPACE/NAME`, the Ingress's namespace)
    /// whose entries are set on every response.
    var customHeaders: String?
    /// `canary: "true"` and the `canary-*` values: the Ingress's paths share those of the
    /// main Ingress of the same host and path (`upstream` is filled in by the translator).
    var canary: CanaryConfig?
    /// The header directives of `configuration-snippet` and `server-snippet`.
    var snippetRequestRules: HeaderRulesConfig?
    var snippetResponseRules: HeaderRulesConfig?

    /// Users from a Secret of the Ingress's namespace, checked with HTTP Basic auth.
    struct BasicAuthAnnotation: Equatable {
        /// As written: `NAME` or `NAMESPACE/NAME` (which must be the Ingress's namespace).
        var secret: String
        /// ingress-nginx's `auth-secret-type: auth-map`: each key a user, each value a hash.
        /// Otherwise the key `auth` holds an htpasswd file.
        var mapForm = false
        var realm = ""
    }

    /// Client certificates checked against the CAs of a Secret (key `ca.crt`) of the
    /// Ingress's namespace, on every path of the Ingress's hosts.
    struct ClientCertificateAnnotation: Equatable {
        /// As written: `NAME` or `NAMESPACE/NAME` (which must be the Ingress's namespace).
        var secret: String
        /// Everything but the CAs, which the translator reads from the Secret.
        var config: ClientCertificateConfig
    }

    enum UpstreamTLSMode: Equatable {
        /// Verified against the system CAs with the Service's cluster DNS name.
        case verified
        /// ingress-nginx's default: encrypted, not verified.
        case unverified
    }

    /// Whether the upstream settings differ from the global defaults (the upstream is then
    /// specific to this Ingress).
    var changesUpstream: Bool {
        upstreamTLS != nil || upstreamHTTP2 || connectTimeoutMilliseconds != nil || readTimeoutMilliseconds != nil
            || sendTimeoutMilliseconds != nil || balance != nil || failures != nil || affinity != nil || upstreamHash != nil
    }

    static let apusPrefix = "apus.dev/"
    static let nginxPrefix = "nginx.ingress.kubernetes.io/"

    /// ingress-nginx's names of features Apus names otherwise; its primary name sorts first,
    /// so it wins over an alias (`allowlist-source-range` over `whitelist-source-range`).
    static let nginxFeatureNames: [String: String] = [
        "allowlist-source-range": "allow-source-range",
        "whitelist-source-range": "allow-source-range",
        "denylist-source-range": "deny-source-range",
        "auth-secret": "basic-auth-secret",
        "auth-realm": "basic-auth-realm",
        "limit-whitelist": "limit-allowlist",
    ]

    /// Raw nginx text: never executed or spliced (there is no nginx configuration); the
    /// location and server snippets are read for their header directives (`NginxSnippet`).
    static let snippets: Set<String> = ["configuration-snippet", "server-snippet", "stream-snippet", "auth-snippet", "modsecurity-snippet"]
}
