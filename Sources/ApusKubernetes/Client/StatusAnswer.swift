/// Turns a non-2xx answer (normally a `Status` object) into a `KubernetesError`.
///
/// A 403's message names the verb, resource, API group and namespace RBAC refused
/// (`endpointslices.discovery.k8s.io is forbidden: User "…" cannot list resource
/// "endpointslices" in API group "discovery.k8s.io" at the cluster scope`); when it does
/// not parse, the request's method and path say the same.
enum StatusAnswer {
    static func error(status: Int, body: [UInt8], method: String, path: String, server: String) -> KubernetesError {
        var reason = ""
        var message = ""
        if let tree = try? ObjectTree.parseJSON(body), tree["kind"]?.text == "Status" {
            reason = tree["reason"]?.text ?? ""
            message = tree["message"]?.text ?? ""
        } else {
            // Not a Status (a proxy in between, an HTML error page): a short excerpt helps.
            message = String(decoding: body.prefix(200), as: UTF8.self).filter { $0 != "\n" && $0 != "\r" }
        }
        switch status {
        case 401:
            return .unauthorized(server: server, message: message.isEmpty ? "Unauthorized" : message)
        case 403:
            return .forbidden(forbidden(message: message, method: method, path: path))
        case 410:
            return .expired(message: message.isEmpty ? "resourceVersion too old" : message)
        default:
            return .status(code: status, reason: reason.isEmpty ? "HTTP \(status)" : reason, message: message.isEmpty ? "\(method) \(path)" : message)
        }
    }

    static func forbidden(message: String, method: String, path: String) -> KubernetesError.Forbidden {
        let request = APIPath(path)
        var denial = KubernetesError.Forbidden(
            verb: request.verb(method: method), resource: request.resource, group: request.group,
            namespace: request.namespace, user: nil, message: message)
        // `User "U" cannot VERB resource "R" in API group "G" (at the cluster scope|in the namespace "N")`
        if let user = quoted(after: "User ", in: message) { denial.user = user }
        if let range = message.range(of: " cannot ") {
            let rest = message[range.upperBound...]
            if let space = rest.firstIndex(of: " ") { denial.verb = String(rest[..<space]) }
        }
        if let resource = quoted(after: "resource ", in: message) { denial.resource = resource }
        if let group = quoted(after: "API group ", in: message) { denial.group = group }
        if message.contains("at the cluster scope") {
            denial.namespace = nil
        } else if let namespace = quoted(after: "in the namespace ", in: message) {
            denial.namespace = namespace
        }
        return denial
    }

    /// The text between the quotes that follow `marker`.
    private static func quoted(after marker: String, in text: String) -> String? {
        guard let start = text.range(of: marker + "\"") else { return nil }
        let rest = text[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}

/// The parts of an API path: `/api/v1/namespaces/NS/services/NAME`,
/// `/apis/GROUP/VERSION/PLURAL`, with the query stripped.
struct APIPath {
    var group = ""
    var namespace: String?
    var resource = ""
    var name: String?
    var isWatch = false

    init(_ path: String) {
        let query = path.firstIndex(of: "?").map { path[path.index(after: $0)...] } ?? ""
        isWatch = query.split(separator: "&").contains { $0 == "watch=1" || $0 == "watch=true" }
        var parts = (path.firstIndex(of: "?").map { path[..<$0] } ?? Substring(path)).split(separator: "/").map(String.init)
        if parts.first == "api" {
            parts.removeFirst(min(2, parts.count))
        } else if parts.first == "apis", parts.count >= 3 {
            group = parts[1]
            parts.removeFirst(3)
        }
        if parts.count >= 2, parts[0] == "namespaces", parts.count > 2 {
            namespace = parts[1]
            parts.removeFirst(2)
        }
        resource = parts.first ?? ""
        if parts.count >= 2 { name = parts[1] }
        if parts.count >= 3 { resource += "/" + parts[2] }
    }

    /// The RBAC verb a request stands for.
    func verb(method: String) -> String {
        switch method {
        case "GET": return isWatch ? "watch" : (name == nil ? "list" : "get")
        case "POST": return "create"
        case "PUT": return "update"
        case "PATCH": return "patch"
        case "DELETE": return name == nil ? "deletecollection" : "delete"
        default: return method.lowercased()
        }
    }
}
