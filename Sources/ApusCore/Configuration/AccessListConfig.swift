/// Who may use a route, by client address (`allow` and `deny` on a route or path rule).
///
/// Evaluated as ingress-nginx's locations are (its `deny` lines, then its `allow` lines
/// followed by `deny all`): an address in `deny` is refused; when `allow` is given, an
/// address outside it is refused too; anything else passes. A path rule's `allow`
/// replaces its route's, and its `deny` the route's `deny`; an empty list clears the
/// inherited one.
public struct AccessListConfig: Equatable, Sendable {
    /// Addresses or networks (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`); nil inherits.
    public var allow: [String]?
    public var deny: [String]?
    public var location: SourceLocation

    public init(allow: [String]? = nil, deny: [String]? = nil, location: SourceLocation = .unknown) {
        self.allow = allow
        self.deny = deny
        self.location = location
    }
}

/// Where a request's client address comes from when proxies stand in front of Apus (a
/// cloud load balancer, a CDN): ingress-nginx's `use-forwarded-headers`,
/// `proxy-real-ip-cidr` and `forwarded-for-header`.
///
/// When the connection's peer is in `trustedProxies`, the client is found in `header` by
/// walking its addresses from the right past every trusted one (nginx's realip module with
/// `real_ip_recursive on`); it then stands for the peer in access lists, `X-Real-IP` and
/// the access log. `X-Forwarded-For` still carries the whole chain and the peer.
public struct ClientAddressConfig: Equatable, Sendable {
    public var trustedProxies: [String]
    /// `X-Forwarded-For` unless given.
    public var header: String
    public var location: SourceLocation

    public init(trustedProxies: [String], header: String = "X-Forwarded-For", location: SourceLocation = .unknown) {
        self.trustedProxies = trustedProxies
        self.header = header
        self.location = location
    }
}
