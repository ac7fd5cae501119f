/// Why a request to the Kubernetes API failed, with what the operator needs to fix it.
///
/// Descriptions never contain a token or an Authorization header: the client never puts
/// them into an error in the first place.
public enum KubernetesError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No kubeconfig, a broken one, an unreadable CA or token file, an unsupported auth method.
    case configuration(String)
    /// The TCP connection failed: `server` is host:port, `reason` the errno text.
    case unreachable(server: String, reason: String)
    /// TLS handshake or verification failed.
    case tls(server: String, reason: String)
    /// Nothing (or not enough) arrived before the deadline.
    case timedOut(server: String, what: String)
    /// The connection ended in the middle of an answer or a watch stream.
    case connectionLost(server: String, reason: String)
    /// Not HTTP, not JSON, or not the shape the API sends.
    case malformed(server: String, reason: String)
    /// 401: the token or client certificate was not accepted.
    case unauthorized(server: String, message: String)
    /// 403: RBAC denies `verb` on `resource` (with its API group) in `namespace` (nil: cluster scope).
    case forbidden(Forbidden)
    /// 410 Gone (`Expired`): the resourceVersion is too old; relist.
    case expired(message: String)
    /// Any other Status the API answered with.
    case status(code: Int, reason: String, message: String)

    /// The parts of a 403 that name the missing RBAC rule.
    public struct Forbidden: Equatable, Sendable {
        public var verb: String
        /// Plural resource name (`endpointslices`), with the subresource when there is one (`ingresses/status`).
        public var resource: String
        /// API group; empty for the core group.
        public var group: String
        /// Nil at the cluster scope.
        public var namespace: String?
        /// The user the server saw (`system:serviceaccount:apus-system:apus`), when it said.
        public var user: String?
        /// The server's own message.
        public var message: String
    }

    public var description: String {
        switch self {
        case .configuration(let text):
            return text
        case .unreachable(let server, let reason):
            return "cannot connect to the Kubernetes API at \(server): \(reason)"
        case .tls(let server, let reason):
            return "TLS with the Kubernetes API at \(server) failed: \(reason)"
        case .timedOut(let server, let what):
            return "the Kubernetes API at \(server) timed out: \(what)"
        case .connectionLost(let server, let reason):
            return "the connection to the Kubernetes API at \(server) was lost: \(reason)"
        case .malformed(let server, let reason):
            return "the Kubernetes API at \(server) sent a malformed answer: \(reason)"
        case .unauthorized(let server, let message):
            return "401 Unauthorized from the Kubernetes API at \(server) (\(message)): the token or client certificate is not accepted (expired, revoked, or for another cluster)"
        case .forbidden(let denial):
            let scope = denial.namespace.map { "in namespace \($0)" } ?? "at the cluster scope"
            let who = denial.user ?? "the controller's account"
            let group = denial.group.isEmpty ? "\"\"" : "\"\(denial.group)\""
            return "403 Forbidden: \(who) may not \(denial.verb) \(denial.resource) \(scope); its (Cluster)Role needs "
                + "apiGroups: [\(group)], resources: [\"\(denial.resource)\"], verbs: [\"\(denial.verb)\"] (server said: \(denial.message))"
        case .expired(let message):
            return "410 Gone: \(message)"
        case .status(let code, let reason, let message):
            return "\(code) \(reason): \(message)"
        }
    }
}
