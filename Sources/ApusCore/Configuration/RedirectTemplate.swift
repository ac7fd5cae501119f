/// What a redirect's whole Location may be, as ingress-nginx's `permanent-redirect` writes
/// it: an absolute http(s) URL in which nginx's variables `$request_uri` (path and query as
/// received), `$uri` (the path), `$args` and `$query_string` (the query), `$host` (the
/// routing host), `$http_host` (the Host field) and `$scheme` are replaced per request (by the workers'
/// `RequestTemplate` expander; other variables it knows are not allowed here).
public enum RedirectTemplate {
    public static let variables = ["request_uri", "uri", "args", "query_string", "host", "http_host", "scheme"]

    /// Why `url` cannot be a Location, or nil.
    public static func problem(_ url: String) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("$scheme://") else {
            return "'\(url)' is not an absolute http or https URL"
        }
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            return "'\(url)' has a space, a control or a non-ASCII character"
        }
        for name in names(in: url) where !variables.contains(name) {
            return "'\(url)' uses $\(name), which Apus does not expand (it does: \(variables.map { "$" + $0 }.joined(separator: ", ")))"
        }
        return nil
    }

    /// The variable names after each `$`.
    static func names(in url: String) -> [String] {
        var names: [String] = []
        var rest = Substring(url)
        while let dollar = rest.firstIndex(of: "$") {
            rest = rest[rest.index(after: dollar)...]
            let name = rest.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            names.append(String(name))
            rest = rest.dropFirst(name.count)
        }
        return names
    }
}
