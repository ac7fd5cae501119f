/// Cross-origin resource sharing on a route or path (`cors`; ingress-nginx's
/// `enable-cors` and `cors-*`). A path's setting replaces its route's whole; `enabled:
/// false` turns an inherited one off.
///
/// As ingress-nginx: an `OPTIONS` request from an allowed origin is answered here with 204
/// and the CORS fields (a preflight); other requests from an allowed origin are proxied and
/// their responses get the fields; a request from any other origin gets none. With a list
/// of origins (not `*`) every response also gets `Vary: Origin`, which ingress-nginx leaves
/// out, so that caches keep one answer per origin.
public struct CORSConfig: Equatable, Sendable {
    public var enabled: Bool
    /// `*`, or origins `scheme://host[:port]` where the host may start with `*.` (one
    /// label), or `null`.
    public var allowOrigins: [String]
    public var allowMethods: String
    public var allowHeaders: String
    public var exposeHeaders: String
    public var allowCredentials: Bool
    public var maxAgeSeconds: Int
    public var location: SourceLocation

    /// ingress-nginx's defaults.
    public static let defaultMethods = "GET, PUT, POST, DELETE, PATCH, OPTIONS"
    public static let defaultHeaders = "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization"
    public static let defaultMaxAge = 1_728_000

    public init(enabled: Bool = true, allowOrigins: [String] = ["*"], allowMethods: String = CORSConfig.defaultMethods,
                allowHeaders: String = CORSConfig.defaultHeaders, exposeHeaders: String = "", allowCredentials: Bool = false,
                maxAgeSeconds: Int = CORSConfig.defaultMaxAge, location: SourceLocation = .unknown) {
        self.enabled = enabled
        self.allowOrigins = allowOrigins
        self.allowMethods = allowMethods
        self.allowHeaders = allowHeaders
        self.exposeHeaders = exposeHeaders
        self.allowCredentials = allowCredentials
        self.maxAgeSeconds = maxAgeSeconds
        self.location = location
    }

    /// A path rule's `cors: false`.
    public static func off(at location: SourceLocation) -> CORSConfig {
        CORSConfig(enabled: false, location: location)
    }

    /// Names separated by commas and spaces (`GET, POST`; `X-Token,Content-Type`; `*` where
    /// allowed): the value goes into a header line as written.
    public static func isNameList(_ value: String, allowStar: Bool) -> Bool {
        value.unicodeScalars.allSatisfy { scalar in
            (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || scalar == "," || scalar == "-" || scalar == " " || scalar == "_" || (allowStar && scalar == "*")
        }
    }

    /// Why an entry of `allowOrigins` is not an origin, or nil.
    public static func originProblem(_ origin: String) -> String? {
        if origin == "*" || origin == "null" { return nil }
        guard let separator = origin.firstRange(of: "://") else { return "'\(origin)' is not scheme://host[:port]" }
        let scheme = origin[..<separator.lowerBound]
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isASCII && $0.isLetter }) else { return "'\(origin)' has no scheme such as https" }
        var host = Substring(origin[separator.upperBound...])
        if let colon = host.lastIndex(of: ":") {
            let port = host[host.index(after: colon)...]
            guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0.isASCIIDigit }), Int(port)! <= 65535 else { return "'\(origin)' has a bad port" }
            host = host[..<colon]
        }
        if host.hasPrefix("*.") { host = host.dropFirst(2) }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
            return "'\(origin)' is not scheme://host[:port] (a path, a second wildcard or an odd character)"
        }
        return nil
    }
}
