/// The labels a route's requests carry in `/metrics`, fixed when the table is compiled:
/// no label value ever comes from a request, so the number of series is bounded by the
/// configuration.
public struct RouteMetricLabels: Hashable, Sendable {
    public var namespace = ""
    public var ingress = ""
    /// The Service (Kubernetes) or upstream (config file) the route proxies to.
    public var service = ""
    /// The rule's host, empty for any host.
    public var host = ""
    /// The rule's path as written.
    public var path = ""
    /// The canary upstream, for the requests it took; empty otherwise.
    public var canary = ""

    public init() {}

    /// Requests no route took: malformed ones, and those for unknown hosts or paths.
    public static let unrouted = RouteMetricLabels()
}
