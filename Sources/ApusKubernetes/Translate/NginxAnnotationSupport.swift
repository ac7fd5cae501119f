/// What Apus does with each annotation of ingress-nginx's documented list: the single
/// source of `docs/ingress-nginx-compatibility.md` (a test keeps the two equal) and of the
/// annotations accepted without effect.
public enum NginxAnnotationSupport {
    public enum Level: String, Sendable {
        case same = "same"
        case deviation = "same, with a deviation"
        case noEffect = "accepted, no effect"
        case refused = "refused"
    }

    public struct Entry: Sendable {
        public let name: String
        public let level: Level
        public let note: String
    }

    public static let documentPath = "docs/ingress-nginx-compatibility.md"

    /// Why an annotation is accepted but changes nothing, or nil.
    static func noEffectReason(_ name: String) -> String? {
        guard let entry = byName[name], entry.level == .noEffect else { return nil }
        return entry.note
    }

    static let byName: [String: Entry] = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })

    private static let streams = "Apus streams bodies through fixed per-connection buffers and never spools to disk; nginx's buffering settings have nothing to tune"
    private static let notYet = "not implemented yet"

    public static let entries: [Entry] = [
        Entry(name: "affinity", level: .deviation, note: "cookie, the only type there is; the cookie holds Apus's own value (16 hex digits: a key on a hash ring of the endpoints, or an endpoint's token; never an address), so sessions made by ingress-nginx start afresh once; another value refuses the Ingress (ingress-nginx ignores it); affinity on a canary Ingress shapes the canary's own upstream, and needs its own session-cookie-name when the main Ingress has affinity too (Apus's cookie does not say which of the two it belongs to)"),
        Entry(name: "affinity-canary-behavior", level: .deviation, note: "sticky or legacy is accepted; the canary is chosen per request by header, cookie and weight, so a session is not held on the canary (canary-by-cookie keeps a user there)"),
        Entry(name: "affinity-mode", level: .same, note: "balanced (the default): a key on a ring of 160 points per endpoint, so scaling from c to n endpoints moves about (n-c)/n of the sessions and removing one moves only its own; persistent: the cookie names its endpoint, adding endpoints moves none, and a session whose endpoint is gone moves with a new cookie"),
        Entry(name: "allowlist-source-range", level: .deviation, note: "an entry that is not an address or network refuses the Ingress (ingress-nginx drops the entry and serves the rest)"),
        Entry(name: "app-root", level: .same, note: "a request for exactly / gets 302 to the path, on the same scheme and host"),
        Entry(name: "auth-always-set-cookie", level: .same, note: "the auth service's Set-Cookie on every answer, not only 2xx and 3xx"),
        Entry(name: "auth-cache-duration", level: .same, note: "nginx's proxy_cache_valid list (default 200 202 401 5m); answers are remembered per worker, keyed by a keyed hash of auth-cache-key"),
        Entry(name: "auth-cache-key", level: .same, note: "with $variables as nginx expands them ($http_NAME, $cookie_NAME, $arg_NAME, $remote_user, $remote_addr, ...)"),
        Entry(name: "auth-keepalive", level: .noEffect, note: "Apus always keeps connections to the auth service in its per-worker pool"),
        Entry(name: "auth-keepalive-requests", level: .noEffect, note: "Apus always keeps connections to the auth service in its per-worker pool"),
        Entry(name: "auth-keepalive-share-vars", level: .noEffect, note: "the auth request and the proxied request are one exchange in Apus; nothing to share"),
        Entry(name: "auth-keepalive-timeout", level: .noEffect, note: "Apus always keeps connections to the auth service in its per-worker pool"),
        Entry(name: "auth-method", level: .same, note: "X-Original-URI and X-Scheme are sent with it, as ingress-nginx does"),
        Entry(name: "auth-proxy-set-headers", level: .same, note: "the ConfigMap's entries set on the auth request, values with nginx variables; a missing ConfigMap, one in another namespace, or an entry that is not a header name makes the paths answer 503 as there"),
        Entry(name: "auth-realm", level: .same, note: "the realm of basic auth"),
        Entry(name: "auth-request-redirect", level: .same, note: "sent as X-Auth-Request-Redirect (default $request_uri)"),
        Entry(name: "auth-response-headers", level: .same, note: "copied from a 2xx answer into the request sent upstream; a listed field the answer lacks is removed from that request"),
        Entry(name: "auth-secret", level: .deviation, note: "htpasswd bcrypt, APR1, SHA-crypt, MD5-crypt, DES and {SHA}; a missing, cross-namespace or incomplete Secret answers 503 as in ingress-nginx, but auth-secret without auth-type refuses the Ingress (ingress-nginx serves it unprotected); bcrypt costs above 12 are refused"),
        Entry(name: "auth-secret-type", level: .same, note: "auth-file (key `auth`) and auth-map (one key per user)"),
        Entry(name: "auth-signin", level: .same, note: "a 401 becomes a 302 to it, with rd=$scheme://$http_host$escaped_request_uri added unless the URL sets the parameter"),
        Entry(name: "auth-signin-redirect-param", level: .same, note: "the parameter that carries the original URL"),
        Entry(name: "auth-snippet", level: .refused, note: "raw nginx text for the external-auth request, which Apus does not read"),
        Entry(name: "auth-tls-error-page", level: .same, note: "a 302 to the URL instead of the 400 for a missing or invalid certificate"),
        Entry(name: "auth-tls-match-cn", level: .same, note: "a regex searched in the subject DN (RFC 2253, CN=client,O=Example), which is empty without a certificate; no match is 403"),
        Entry(name: "auth-tls-pass-certificate-to-upstream", level: .same, note: "the PEM, URL-encoded, in ssl-client-cert"),
        Entry(name: "auth-tls-secret", level: .deviation, note: "ca.crt of an Opaque or TLS Secret of the Ingress's namespace, for every path of its hosts (the oldest Ingress of a host gives it), with ssl-client-verify, ssl-client-subject-dn and ssl-client-issuer-dn sent upstream (a client's own fields of those names are removed); a missing or unusable Secret answers 403 as ingress-nginx does; ca.crl is not read; a request on a connection whose handshake named another host gets 421; a rule without a host is not served"),
        Entry(name: "auth-tls-verify-client", level: .deviation, note: "on (default), optional, optional_no_ca and off as nginx; another value refuses the Ingress (ingress-nginx falls back to on)"),
        Entry(name: "auth-tls-verify-depth", level: .same, note: "0 means the default, 1; at most 100"),
        Entry(name: "auth-type", level: .deviation, note: "basic; digest is refused"),
        Entry(name: "auth-url", level: .deviation, note: "the sub-request carries ingress-nginx's fields (X-Original-URL, X-Original-Method, X-Auth-Request-Redirect, X-Real-IP, X-Forwarded-For, X-Request-ID, X-Sent-From); 2xx lets through, 401 and 403 pass on, anything else or an unreachable service is 500. A URL on $host goes straight to the upstream Apus's own route for that host and path names, without leaving the process (nginx loops through the load balancer); every Set-Cookie of the answer is passed on as its own field"),
        Entry(name: "backend-protocol", level: .deviation, note: "HTTP and HTTPS (encrypted, not verified, as ingress-nginx); GRPC and GRPCS reach the Service over HTTP/2 (h2c, or TLS with ALPN h2, not verified), with its streams multiplexed on pooled connections (ingress-nginx's grpc_pass carries one call per connection at a time); AUTO_HTTP and FCGI are refused"),
        Entry(name: "canary", level: .deviation, note: "each path is shared with the path another Ingress serves on the same host with the same path and type, and that path's server-alias names (ingress-nginx attaches the canary to the main Service, so it reaches every path using that Service); its other annotations, except those that shape its own upstream (backend-protocol, load-balance, timeouts, retries), have no effect and are reported; a path without a main Ingress is reported; invalid canary values refuse the Ingress (ingress-nginx falls back to defaults)"),
        Entry(name: "canary-by-cookie", level: .same, note: "always or never; another value leaves it to the weight"),
        Entry(name: "canary-by-header", level: .same, note: "always or never, unless canary-by-header-value or -pattern is given; another value leaves it to the cookie, then the weight"),
        Entry(name: "canary-by-header-pattern", level: .same, note: "PCRE, case-sensitive, anywhere in the value; canary-by-header-value wins when both are given"),
        Entry(name: "canary-by-header-value", level: .same, note: "exact, case-sensitive"),
        Entry(name: "canary-weight", level: .deviation, note: "exactly that many of every canary-weight-total requests a worker sends, evenly spaced, rather than drawn at random; the count survives reloads"),
        Entry(name: "canary-weight-total", level: .deviation, note: "honoured as given, from 1 to 1000000000 (ingress-nginx counts a total below 100 as 100)"),
        Entry(name: "client-body-buffer-size", level: .noEffect, note: streams),
        Entry(name: "configuration-snippet", level: .deviation, note: "header directives (more_set_headers, more_set_input_headers, add_header, proxy_set_header, more_clear_headers) become header rules with literal values; any other directive, a block or an nginx variable refuses the Ingress, naming it; nothing is executed"),
        Entry(name: "connection-proxy-header", level: .noEffect, note: "Apus manages upstream connections itself (keep-alive pools); the Connection field it sends is its own"),
        Entry(name: "cors-allow-credentials", level: .same, note: "default true"),
        Entry(name: "cors-allow-headers", level: .deviation, note: "a value that is not a list of names refuses the Ingress (ingress-nginx uses its default)"),
        Entry(name: "cors-allow-methods", level: .deviation, note: "a value that is not a list of names refuses the Ingress (ingress-nginx uses its default)"),
        Entry(name: "cors-allow-origin", level: .deviation, note: "origins match whole (ingress-nginx's regex is anchored at the end only); a bad origin refuses the Ingress (ingress-nginx skips it); a request from an unlisted origin gets no Access-Control-* field, the upstream's removed too, and a list adds Vary: Origin"),
        Entry(name: "cors-expose-headers", level: .same, note: ""),
        Entry(name: "cors-max-age", level: .same, note: "default 1728000"),
        Entry(name: "custom-headers", level: .deviation, note: "the ConfigMap's entries set on every response of the Ingress's paths; names and values checked as ingress-nginx does, and a missing ConfigMap, one in another namespace or a refused entry makes the paths answer 503 as there; no global-allowed-response-headers list is needed (ingress-nginx requires every name in it)"),
        Entry(name: "custom-http-errors", level: .deviation, note: "answers of the Ingress's Services with a listed status, and Apus's own 502, 503 and 504 when listed, are served by the default-backend Service (else --default-backend-service) with X-Code, X-Format, X-Original-URI and the other X- fields; without either backend it has no effect, with a warning (ingress-nginx sends them to its built-in 404 server); the client's request body is not sent to the error backend"),
        Entry(name: "default-backend", level: .deviation, note: "the Service's first port; it also answers while the Ingress's Service has no endpoint, with the same request as for custom-http-errors (path /, X-Code: 503, X-Original-URI), not the client's whole request as ingress-nginx forwards it"),
        Entry(name: "denylist-source-range", level: .deviation, note: "an entry that is not an address or network refuses the Ingress"),
        Entry(name: "enable-access-log", level: .same, note: "false leaves the paths' requests out of the access log; they are still counted in /metrics"),
        Entry(name: "enable-cors", level: .same, note: "preflights answered with 204 before authentication"),
        Entry(name: "enable-global-auth", level: .refused, note: notYet),
        Entry(name: "enable-modsecurity", level: .refused, note: "Apus has no web application firewall; serving without the one asked for would be less safe than refusing"),
        Entry(name: "enable-opentelemetry", level: .noEffect, note: "Apus has no tracing yet; requests are served untraced"),
        Entry(name: "enable-owasp-core-rules", level: .refused, note: "Apus has no web application firewall; serving without the one asked for would be less safe than refusing"),
        Entry(name: "enable-rewrite-log", level: .noEffect, note: "nginx's rewrite debug log; Apus's /routes shows every rewrite"),
        Entry(name: "force-ssl-redirect", level: .same, note: "308"),
        Entry(name: "from-to-www-redirect", level: .same, note: "308 from www.H to H, or from H to www.H, when no rule serves the other name"),
        Entry(name: "http2-push-preload", level: .noEffect, note: "browsers dropped HTTP/2 server push"),
        Entry(name: "limit-burst-multiplier", level: .same, note: "default 5: rps (or rpm) × this many requests are let through at once above the rate (nginx's burst with nodelay); 0 is no burst; at most 1000"),
        Entry(name: "limit-connections", level: .same, note: "requests in progress at once per client address (nginx's limit_conn counts those), across every worker; over it: --limit-conn-status-code (503 by default)"),
        Entry(name: "limit-rate", level: .refused, note: notYet),
        Entry(name: "limit-rate-after", level: .refused, note: notYet),
        Entry(name: "limit-rpm", level: .same, note: "as limit-rps, per minute; both may be given"),
        Entry(name: "limit-rps", level: .deviation, note: "requests a second per client address (after trusted proxies), counted across every worker, every path of the Ingress sharing the count as in ingress-nginx; over it: --limit-req-status-code (503 by default; 429 adds a Retry-After, which ingress-nginx does not send); the counts of 131,072 clients are kept, the least recently seen slot reused when full; checked before authentication but after the CORS preflight and the redirect to HTTPS, as ingress-nginx's preaccess phase; a value that is not a whole number, or a rate above 1,000,000, refuses the Ingress"),
        Entry(name: "limit-whitelist", level: .deviation, note: "addresses or networks never limited (limit-allowlist, the newer name, is accepted too and wins); an entry that is not an address or network refuses the Ingress (ingress-nginx drops it)"),
        Entry(name: "load-balance", level: .deviation, note: "round_robin (the default, as in ingress-nginx) or ewma: the peak EWMA of the time to the response head (decaying over 10 s, a timed-out attempt counting as its time) times the requests in flight, the lower of two endpoints drawn at random winning and fewer requests in flight breaking a tie; new endpoints start at the others' average, as there. ingress-nginx keeps a plain EWMA of the whole response time without the peak or the requests in flight, shared between workers; Apus's figures are each worker's own; --load-balance sets the default for Ingresses without the annotation"),
        Entry(name: "mirror-host", level: .refused, note: notYet),
        Entry(name: "mirror-request-body", level: .refused, note: notYet),
        Entry(name: "mirror-target", level: .refused, note: notYet),
        Entry(name: "modsecurity-snippet", level: .refused, note: "raw nginx text for ModSecurity; Apus has no web application firewall"),
        Entry(name: "modsecurity-transaction-id", level: .refused, note: "Apus has no web application firewall"),
        Entry(name: "opentelemetry-trust-incoming-span", level: .noEffect, note: "Apus has no tracing yet"),
        Entry(name: "permanent-redirect", level: .deviation, note: "every path answers 301 with the URL; $request_uri, $uri, $args, $query_string, $host, $http_host and $scheme are expanded, any other variable refuses the Ingress"),
        Entry(name: "permanent-redirect-code", level: .deviation, note: "301, 302, 303, 307 or 308; another code refuses the Ingress (ingress-nginx falls back to 301)"),
        Entry(name: "preserve-trailing-slash", level: .deviation, note: "Apus keeps the trailing slash in the redirect to HTTPS unless this says false (ingress-nginx drops it by default)"),
        Entry(name: "proxy-body-size", level: .same, note: "413 above the limit; 0 = unlimited"),
        Entry(name: "proxy-buffer-size", level: .noEffect, note: streams),
        Entry(name: "proxy-buffering", level: .noEffect, note: streams),
        Entry(name: "proxy-buffers-number", level: .noEffect, note: streams),
        Entry(name: "proxy-busy-buffers-size", level: .noEffect, note: streams),
        Entry(name: "proxy-connect-timeout", level: .same, note: "unitless seconds"),
        Entry(name: "proxy-cookie-domain", level: .refused, note: notYet),
        Entry(name: "proxy-cookie-path", level: .refused, note: notYet),
        Entry(name: "proxy-http-version", level: .noEffect, note: "Apus speaks HTTP/1.1 to upstreams, with keep-alive"),
        Entry(name: "proxy-max-temp-file-size", level: .noEffect, note: streams),
        Entry(name: "proxy-next-upstream", level: .deviation, note: "error and timeout (before any answer) are always retried, off stops retries, non_idempotent retries POST and PATCH too; status conditions (http_502, ...) and invalid_header are not retried, with a warning"),
        Entry(name: "proxy-next-upstream-timeout", level: .same, note: "no retry starts later than this after the first attempt"),
        Entry(name: "proxy-next-upstream-tries", level: .same, note: "0 is every endpoint; at most 64"),
        Entry(name: "proxy-read-timeout", level: .same, note: "unitless seconds, between two reads"),
        Entry(name: "proxy-redirect-from", level: .refused, note: notYet),
        Entry(name: "proxy-redirect-to", level: .refused, note: notYet),
        Entry(name: "proxy-request-buffering", level: .noEffect, note: streams),
        Entry(name: "proxy-send-timeout", level: .same, note: "unitless seconds, between two writes"),
        Entry(name: "proxy-ssl-ciphers", level: .refused, note: notYet),
        Entry(name: "proxy-ssl-name", level: .refused, note: notYet),
        Entry(name: "proxy-ssl-protocols", level: .refused, note: notYet),
        Entry(name: "proxy-ssl-secret", level: .refused, note: notYet),
        Entry(name: "proxy-ssl-server-name", level: .refused, note: notYet),
        Entry(name: "proxy-ssl-verify", level: .refused, note: notYet),
        Entry(name: "proxy-ssl-verify-depth", level: .refused, note: notYet),
        Entry(name: "rewrite-target", level: .same, note: "implies use-regex for the host"),
        Entry(name: "satisfy", level: .refused, note: notYet),
        Entry(name: "server-alias", level: .same, note: "the Ingress's rules are served under each alias too; a name other rules serve keeps its own"),
        Entry(name: "server-snippet", level: .deviation, note: "header directives (more_set_headers, more_set_input_headers, add_header, proxy_set_header, more_clear_headers) become header rules with literal values; any other directive, a block or an nginx variable refuses the Ingress, naming it; nothing is executed (applied to the Ingress's paths)"),
        Entry(name: "service-upstream", level: .refused, note: notYet),
        Entry(name: "session-cookie-change-on-failure", level: .deviation, note: "with true, a session whose endpoint fails moves to the endpoint that answers, with a new cookie; with false (the default) the session stays, and the request still goes to another endpoint (ingress-nginx retries the same one)"),
        Entry(name: "session-cookie-conditional-samesite-none", level: .same, note: "SameSite=None is left out for the browsers that reject it (Chrome 40 to 69, iOS 12, Safari on macOS 10.14)"),
        Entry(name: "session-cookie-domain", level: .same, note: "the cookie's Domain"),
        Entry(name: "session-cookie-expires", level: .deviation, note: "an Expires that many seconds ahead; a value that is not a whole number from 0 to ten years refuses the Ingress (ingress-nginx takes -1 and any length)"),
        Entry(name: "session-cookie-max-age", level: .deviation, note: "Max-Age in seconds; a value that is not a whole number of 0 or more refuses the Ingress (ingress-nginx takes -1)"),
        Entry(name: "session-cookie-name", level: .same, note: "default INGRESSCOOKIE"),
        Entry(name: "session-cookie-path", level: .deviation, note: "default: the path of the rule that matched, and / for a regex path (ingress-nginx writes the regex itself, which browsers never match)"),
        Entry(name: "session-cookie-samesite", level: .same, note: "None, Lax or Strict; another value refuses the Ingress"),
        Entry(name: "session-cookie-secure", level: .same, note: "true: always Secure; otherwise, false included (ingress-nginx drops a false), Secure when the request came over TLS"),
        Entry(name: "ssl-ciphers", level: .refused, note: notYet),
        Entry(name: "ssl-passthrough", level: .refused, note: notYet),
        Entry(name: "ssl-prefer-server-ciphers", level: .noEffect, note: "Apus's TLS offers only AEAD suites with forward secrecy; the order does not weaken anything"),
        Entry(name: "ssl-redirect", level: .deviation, note: "308, on by default for the hosts of TLS sections (those an entry lists, all of an entry without hosts, those a certificate of the section names), whichever Ingress serves the path; ingress-nginx also redirects the other hosts of an Ingress with a TLS section, served its default certificate"),
        Entry(name: "stream-snippet", level: .refused, note: "raw nginx text for TCP and UDP streams, which Apus does not read"),
        Entry(name: "temporal-redirect", level: .deviation, note: "as permanent-redirect with 302, and it wins when both are given"),
        Entry(name: "temporal-redirect-code", level: .deviation, note: "301, 302, 303, 307 or 308; another code refuses the Ingress (ingress-nginx falls back to 302)"),
        Entry(name: "upstream-hash-by", level: .deviation, note: "$variables as nginx expands them ($remote_addr, $request_uri, $http_NAME, $cookie_NAME, $arg_NAME, and text between); a ring of 160 points per endpoint (FNV-1a), so keys land on other endpoints than under ingress-nginx once, after the switch; adding one endpoint to n remaps about 1/(n+1) of the keys, all to it; the keys of an endpoint that fails go to the next one on the ring; cookie affinity wins when both are given; $uri is hashed as received, not decoded"),
        Entry(name: "upstream-hash-by-subset", level: .deviation, note: "endpoints in address order, in groups of upstream-hash-by-subset-size (the last filled up from the first), a ring over the groups; requests of a key take turns within its group (ingress-nginx draws at random)"),
        Entry(name: "upstream-hash-by-subset-size", level: .same, note: "default 3"),
        Entry(name: "upstream-vhost", level: .same, note: "the Host sent upstream; a value that is not a host name refuses the Ingress"),
        Entry(name: "use-regex", level: .same, note: "case-insensitive, anchored at the start, for every path of the host across Ingresses"),
        Entry(name: "whitelist-source-range", level: .deviation, note: "the older name of allowlist-source-range, which wins when both are given"),
        Entry(name: "x-forwarded-prefix", level: .same, note: "sent upstream as X-Forwarded-Prefix"),
    ]
}
