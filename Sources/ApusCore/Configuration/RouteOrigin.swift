/// The Kubernetes objects a path rule was made from, for the labels of its requests in
/// `/metrics` (ingress-nginx's `namespace`, `ingress` and `service`). Nil for rules
/// written in a config file.
public struct RouteOrigin: Hashable, Sendable {
    public var namespace: String
    public var ingress: String
    /// The Service the rule proxies to; empty for a rule that answers by itself.
    public var service: String

    public init(namespace: String, ingress: String, service: String) {
        self.namespace = namespace
        self.ingress = ingress
        self.service = service
    }
}
