/// Cookie session affinity (ingress-nginx's `affinity: cookie`): a client's requests keep
/// going to one endpoint of the upstream, named by a cookie Apus sets.
///
/// The cookie never carries an address. In `balanced` mode it holds a random key placed on
/// the upstream's hash ring: when endpoints come or go, only the keys whose arc changed
/// owner move, so scaling from c to n endpoints moves about (n-c)/n of the sessions, the
/// fewest that rebalance the load. In `persistent` mode it holds the endpoint's token (a
/// hash of the upstream's name and the endpoint's address): sessions stay while their
/// endpoint exists and none moves when endpoints are added. A cookie whose endpoint is gone
/// leads elsewhere: in persistent mode with a new cookie, in balanced mode by the ring.
public struct AffinityConfig: Equatable, Sendable {
    public enum Mode: String, Equatable, Sendable, CaseIterable {
        case balanced
        case persistent
    }

    public enum SameSite: String, Equatable, Sendable, CaseIterable {
        case strict = "Strict"
        case lax = "Lax"
        // Not `none`, which reads as Optional.none where the setting is optional.
        case crossSite = "None"
    }

    public var cookieName: String
    public var mode: Mode
    /// Nil: the path of the rule that matched (`/` for a regex rule).
    public var path: String?
    public var domain: String?
    public var maxAgeSeconds: Int?
    /// ingress-nginx's `session-cookie-expires`: an `Expires` this many seconds ahead.
    public var expiresSeconds: Int?
    public var sameSite: SameSite?
    /// Nil: `Secure` when the request came over TLS.
    public var secure: Bool?
    /// Leaves `SameSite=None` out for browsers known to reject such cookies.
    public var conditionalSameSiteNone: Bool
    /// After a failed attempt, the endpoint that answers gets the session (a new cookie);
    /// otherwise the session stays with its endpoint and only this request goes elsewhere.
    public var changeOnFailure: Bool
    public var location: SourceLocation

    public static let defaultCookieName = "INGRESSCOOKIE"

    public init(cookieName: String = AffinityConfig.defaultCookieName, mode: Mode = .balanced, path: String? = nil, domain: String? = nil,
                maxAgeSeconds: Int? = nil, expiresSeconds: Int? = nil, sameSite: SameSite? = nil, secure: Bool? = nil,
                conditionalSameSiteNone: Bool = false, changeOnFailure: Bool = false, location: SourceLocation = .unknown) {
        self.cookieName = cookieName
        self.mode = mode
        self.path = path
        self.domain = domain
        self.maxAgeSeconds = maxAgeSeconds
        self.expiresSeconds = expiresSeconds
        self.sameSite = sameSite
        self.secure = secure
        self.conditionalSameSiteNone = conditionalSameSiteNone
        self.changeOnFailure = changeOnFailure
        self.location = location
    }

    /// What is wrong with the settings, each as "KEY: why" (the config file's keys).
    public var problems: [String] {
        var problems: [String] = []
        if !HeaderValueCheck.isToken(cookieName) { problems.append("cookie: '\(cookieName)' is not a cookie name") }
        if let path, !Self.isCookieAttribute(path) || !path.hasPrefix("/") {
            problems.append("path: '\(path)' is not a path starting with '/' (without ';', spaces or control characters)")
        }
        if let domain, domain.isEmpty || !domain.utf8.allSatisfy({ HostNameBytes.allows($0) && $0 != UInt8(ascii: ":") }) {
            problems.append("domain: '\(domain)' is not a domain name")
        }
        if let maxAgeSeconds, maxAgeSeconds < 0 { problems.append("max_age: \(maxAgeSeconds) is negative") }
        if let expiresSeconds, expiresSeconds < 0 || expiresSeconds > Self.longestExpires {
            problems.append("expires: \(expiresSeconds) is not from 0 to \(Self.longestExpires) seconds")
        }
        return problems
    }

    /// Ten years: far enough for any session, near enough that the date stays printable.
    public static let longestExpires = 315_360_000

    /// Bytes a cookie attribute value may hold (RFC 6265 `av-octet`, without spaces).
    public static func isCookieAttribute(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ";") }
    }
}

/// Consistent hashing of an upstream (ingress-nginx's `upstream-hash-by`): a key made from
/// the request picks the endpoint, or with `subsetSize` a group of that many endpoints,
/// among which requests rotate.
public struct UpstreamHashConfig: Equatable, Sendable {
    public var key: RequestTemplate
    public var subsetSize: Int?
    public var location: SourceLocation

    public init(key: RequestTemplate, subsetSize: Int? = nil, location: SourceLocation = .unknown) {
        self.key = key
        self.subsetSize = subsetSize
        self.location = location
    }

    public static let largestSubset = 64
}
