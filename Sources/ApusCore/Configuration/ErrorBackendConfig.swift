/// Error pages from another upstream (`error_backend`; ingress-nginx's `custom-http-errors`
/// with `default-backend`): an answer of the route's upstream whose status is listed, and
/// Apus's own 502, 503 or 504 for the route when listed, is replaced by what `upstream`
/// answers to a body-less request for `/` that describes the error in `X-Code`,
/// `X-Format`, `X-Original-URI` and friends. When the route's upstream has no endpoint at
/// all, the same request goes to `upstream`, with `X-Code: 503`. A path's setting
/// replaces its route's whole; `enabled: false` turns an inherited one off.
public struct ErrorBackendConfig: Equatable, Sendable {
    public var enabled: Bool
    /// The upstream that serves the error pages.
    public var upstream: String
    /// Statuses replaced (400 to 599); empty: only the no-endpoint fallback.
    public var statuses: [Int]
    /// What `X-Namespace`, `X-Ingress-Name`, `X-Service-Name` and `X-Service-Port` say
    /// (empty ones are not sent, as nginx leaves out an empty `proxy_set_header`). The
    /// Ingress translator names the Ingress and its Service; in YAML the service is the
    /// route's upstream.
    public var namespace: String
    public var ingressName: String
    public var serviceName: String
    public var servicePort: String
    public var location: SourceLocation

    public init(enabled: Bool = true, upstream: String, statuses: [Int] = [], namespace: String = "", ingressName: String = "",
                serviceName: String = "", servicePort: String = "", location: SourceLocation = .unknown) {
        self.enabled = enabled
        self.upstream = upstream
        self.statuses = statuses
        self.namespace = namespace
        self.ingressName = ingressName
        self.serviceName = serviceName
        self.servicePort = servicePort
        self.location = location
    }

    /// A path rule's `error_backend: false`.
    public static func off(at location: SourceLocation) -> ErrorBackendConfig {
        ErrorBackendConfig(enabled: false, upstream: "", location: location)
    }

    /// The statuses an error backend may take over.
    public static let statusRange = 400...599
}

/// A page of the operator's choosing for one status Apus answers itself (`error_pages`):
/// its bytes are read when the configuration is, and served in place of the built-in page.
public struct ErrorPageConfig: Equatable, Sendable {
    public var status: Int
    public var body: [UInt8]
    public var contentType: String
    /// The file it was read from, for `/routes` and diagnostics.
    public var file: String
    public var location: SourceLocation

    public init(status: Int, body: [UInt8], contentType: String, file: String, location: SourceLocation = .unknown) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.file = file
        self.location = location
    }

    /// The media type of a page file, from its extension (text when it has none Apus knows).
    public static func contentType(ofFile path: String) -> String {
        MimeTypes.type(forPath: path, unknown: "text/plain; charset=utf-8")
    }
}
