/// A virtual host and its path rules, as written by the user.
public struct RouteConfig: Equatable, Sendable {
    /// `app.example.test`, `*.example.test` (exactly one label), or nil for any host.
    public var host: String?
    public var paths: [PathRuleConfig]
    /// Inherited by every path rule (see `RouteSettings` for how a rule overrides them).
    public var settings: RouteSettings
    public var location: SourceLocation

    public init(host: String?, paths: [PathRuleConfig], settings: RouteSettings = RouteSettings(),
                location: SourceLocation = .unknown) {
        self.host = host
        self.paths = paths
        self.settings = settings
        self.location = location
    }
}

/// How a path rule compares with the request path.
public enum PathMatchKind: String, Equatable, Sendable {
    /// The whole path, byte for byte.
    case exact = "Exact"
    /// By `/`-separated elements: `/foo` matches `/foo`, `/foo/`, `/foo/bar`, not `/foobar`.
    case prefix = "Prefix"
    /// A PCRE2 pattern. See `RegexFlavor` for anchoring and case.
    case regex = "Regex"
}

/// Regex semantics: Apus's own, or ingress-nginx's (for migrated Ingresses).
public enum RegexFlavor: Equatable, Sendable {
    /// Case-sensitive, must match the whole path.
    case fullMatch
    /// Case-insensitive, anchored at the start only (ingress-nginx `use-regex`).
    case nginxCompatible
    /// Case-sensitive, matching anywhere (nginx's `~` in an `if`); not for paths.
    case search
}

/// One path of a route and what to do with requests that match it.
public struct PathRuleConfig: Equatable, Sendable {
    public var path: String
    public var match: PathMatchKind
    public var regexFlavor: RegexFlavor
    public var action: RouteAction
    /// The rule's own header rules and HTTPS redirect, over its route's.
    public var settings: RouteSettings
    /// This rule's changes to the top-level compression settings.
    public var compression: CompressionOverride?
    /// The path sent upstream instead of the request's (`/new/$1`: `$0`..`$9` are the
    /// Regex rule's capture groups); the query is kept. Proxy rules only.
    public var rewrite: String?
    /// This rule's request body limit over `limits.max_body_size` (0 = unlimited).
    public var maxBodyBytes: Int64?
    /// The Ingress and Service the rule was made from (nil in a config file).
    public var origin: RouteOrigin?
    public var location: SourceLocation

    public init(
        path: String, match: PathMatchKind, regexFlavor: RegexFlavor = .fullMatch,
        action: RouteAction, compression: CompressionOverride? = nil, settings: RouteSettings = RouteSettings(),
        location: SourceLocation = .unknown
    ) {
        self.path = path
        self.match = match
        self.regexFlavor = regexFlavor
        self.action = action
        self.settings = settings
        self.compression = compression
        self.location = location
    }
}

/// What a matched request gets.
public enum RouteAction: Equatable, Sendable {
    /// Proxy to the named upstream.
    case proxy(upstream: String)
    /// Serve files from a directory.
    case staticFiles(StaticFilesConfig)
    /// Answer with a redirect.
    case redirect(RedirectConfig)
    /// Answer with a fixed status and body.
    case fixedResponse(FixedResponseConfig)
}

public struct StaticFilesConfig: Equatable, Sendable {
    /// Directory served; requests never escape it (no `..`, no symlinks leading out).
    public var root: String
    /// File served for a directory request.
    public var index: String
    /// File (relative to the root) served with 200 when the request names no file: the
    /// single-page-app pattern, nginx's `try_files $uri $uri/ /index.html`. Nil: 404.
    public var fallback: String?

    public init(root: String, index: String = "index.html", fallback: String? = nil) {
        self.root = root
        self.index = index
        self.fallback = fallback
    }
}

public struct RedirectConfig: Equatable, Sendable {
    /// 301, 302, 307 or 308.
    public var status: Int
    /// Replacement scheme (`https`), or nil to keep the request's.
    public var scheme: String?
    /// Replacement host (may include `:port`), or nil to keep the request's.
    public var host: String?
    /// Replacement path, or nil to keep the request's path and query.
    public var path: String?
    /// A whole Location instead (ingress-nginx's `permanent-redirect` and
    /// `temporal-redirect`), with `RedirectTemplate`'s variables; scheme, host and path are
    /// then unused.
    public var url: String?

    public init(status: Int = 302, scheme: String? = nil, host: String? = nil, path: String? = nil, url: String? = nil) {
        self.status = status
        self.scheme = scheme
        self.host = host
        self.path = path
        self.url = url
    }
}

public struct FixedResponseConfig: Equatable, Sendable {
    public var status: Int
    public var body: String
    public var contentType: String

    public init(status: Int, body: String = "", contentType: String = "text/plain; charset=utf-8") {
        self.status = status
        self.body = body
        self.contentType = contentType
    }
}
