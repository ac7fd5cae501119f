/// HTTP Basic authentication on a route or path (`basic_auth`; ingress-nginx's
/// `auth-type: basic`). A path's setting replaces its route's whole; `enabled: false`
/// turns an inherited one off.
public struct BasicAuthConfig: Equatable, Sendable {
    public var enabled: Bool
    /// In `WWW-Authenticate: Basic realm="..."`.
    public var realm: String
    /// htpasswd lines. nil when their source is missing (an Ingress names a Secret that does
    /// not exist): the route then answers 503 to everyone, as ingress-nginx's denied
    /// location does, rather than serving without authentication.
    public var users: String?
    /// Where the users come from, for diagnostics: a file path or `Secret NS/NAME`.
    public var origin: String
    /// The htpasswd file of `apus serve`, watched for changes; nil for a Secret.
    public var file: String?
    public var location: SourceLocation

    public init(enabled: Bool = true, realm: String = "", users: String?, origin: String, file: String? = nil,
                location: SourceLocation = .unknown) {
        self.enabled = enabled
        self.realm = realm
        self.users = users
        self.origin = origin
        self.file = file
        self.location = location
    }

    /// A path rule's `basic_auth: false`.
    public static func off(at location: SourceLocation) -> BasicAuthConfig {
        BasicAuthConfig(enabled: false, users: nil, origin: "", location: location)
    }
}
