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
