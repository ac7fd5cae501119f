/// Text with nginx-style variables that a worker fills from the request: the URLs, the
/// redirect target and the cache key of external auth (`$host`, `$request_uri`,
/// `$http_x_token`, `$cookie_session`, ...). Parsed once when the configuration is read,
/// so a worker only walks pieces.
public struct RequestTemplate: Equatable, Sendable {
    public enum Piece: Equatable, Sendable {
        case text(String)
        case variable(RequestVariable)
    }

    public let pieces: [Piece]
    /// As written, for diagnostics and `/routes`.
    public let written: String

    /// Why `text` cannot be a template (an unknown variable, a lone `$`), or the template.
    public static func parse(_ text: String) -> Result<RequestTemplate, TemplateProblem> {
        var pieces: [Piece] = []
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            if dollar > rest.startIndex { pieces.append(.text(String(rest[..<dollar]))) }
            rest = rest[rest.index(after: dollar)...]
            var braced = false
            if rest.first == "{" {
                braced = true
                rest = rest.dropFirst()
            }
            let name = rest.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            rest = rest.dropFirst(name.count)
            if braced {
                guard rest.first == "}" else { return .failure(TemplateProblem("'${' in '\(text)' has no closing '}'")) }
                rest = rest.dropFirst()
            }
            guard !name.isEmpty else { return .failure(TemplateProblem("'$' in '\(text)' is not followed by a variable name")) }
            guard let variable = RequestVariable(name: String(name)) else {
                return .failure(TemplateProblem("'\(text)' uses $\(name), which Apus does not expand (it does: \(RequestVariable.described))"))
            }
            pieces.append(.variable(variable))
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        return .success(RequestTemplate(pieces: pieces, written: text))
    }

    /// Whether any piece depends on the request.
    public var isConstant: Bool { !pieces.contains { if case .variable = $0 { true } else { false } } }
}

public struct TemplateProblem: Error, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// One variable of a `RequestTemplate`, by nginx's name for it.
public enum RequestVariable: Equatable, Sendable {
    /// `$request_uri`: path and query as received.
    case requestURI
    /// `$uri`: the path.
    case uri
    /// `$args`, `$query_string`: the query without `?`.
    case args
    /// `$host`: the routing host (Host without port, lowercase).
    case host
    /// `$http_host`: the Host field as received (nothing without one).
    case httpHost
    /// `$best_http_host`: the Host field as received, else `$host`.
    case bestHTTPHost
    /// `$scheme`, `$pass_access_scheme`: `http` or `https`.
    case scheme
    /// `$escaped_request_uri`: `$request_uri` percent-encoded for a query value.
    case escapedRequestURI
    /// `$remote_addr`: the client (after trusted proxies).
    case remoteAddress
    /// `$remote_user`: the user name of a Basic Authorization field.
    case remoteUser
    /// `$request_method`.
    case requestMethod
    /// `$http_NAME`: a request field (`_` stands for `-`), lowercase name.
    case header(String)
    /// `$cookie_NAME`: one cookie's value, lowercase name (nginx ignores a name's case).
    case cookie(String)
    /// `$arg_NAME`: one query parameter's value as received, lowercase name (likewise).
    case argument(String)

    static let described = "$request_uri, $uri, $args, $query_string, $host, $http_host, $best_http_host, $scheme, $pass_access_scheme, $escaped_request_uri, $remote_addr, $remote_user, $request_method, $http_NAME, $cookie_NAME, $arg_NAME"

    public init?(name: String) {
        switch name {
        case "request_uri": self = .requestURI
        case "uri", "document_uri": self = .uri
        case "args", "query_string": self = .args
        case "host": self = .host
        case "http_host": self = .httpHost
        case "best_http_host": self = .bestHTTPHost
        case "scheme", "pass_access_scheme": self = .scheme
        case "escaped_request_uri": self = .escapedRequestURI
        case "remote_addr": self = .remoteAddress
        case "remote_user": self = .remoteUser
        case "request_method": self = .requestMethod
        default:
            func suffix(_ prefix: String) -> String? {
                guard name.hasPrefix(prefix), name.count > prefix.count else { return nil }
                return String(name.dropFirst(prefix.count))
            }
            if let field = suffix("http_") {
                self = .header(field.lowercased().replacingUnderscores())
            } else if let cookie = suffix("cookie_") {
                self = .cookie(cookie.lowercased())
            } else if let argument = suffix("arg_") {
                self = .argument(argument.lowercased())
            } else {
                return nil
            }
        }
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(map { $0 == "_" ? "-" : $0 })
    }
}
