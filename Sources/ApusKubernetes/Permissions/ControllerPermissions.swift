/// Every API request `apus controller` makes, as RBAC rules: the single list that the
/// ClusterRole and Role of conf/kubernetes/10-rbac.yaml must match exactly (a test checks
/// both ways), and that a 403 can be explained against.
///
/// Adding a request to the controller means adding its verb here and to the manifest;
/// the test fails until both agree.
public enum ControllerPermissions {
    /// One verb on one resource (a subresource as `ingresses/status`).
    public struct Rule: Hashable, Sendable, CustomStringConvertible {
        public var resource: APIResource
        public var subresource: String?
        public var verb: String

        public init(_ verb: String, _ resource: APIResource, subresource: String? = nil) {
            self.resource = resource
            self.subresource = subresource
            self.verb = verb
        }

        /// `ingresses/status` in RBAC's spelling.
        public var resourceName: String { subresource.map { "\(resource.plural)/\($0)" } ?? resource.plural }

        public var description: String {
            "\(verb) \(resource.group.isEmpty ? resourceName : "\(resourceName).\(resource.group)")"
        }
    }

    /// Granted by the ClusterRole: the informers (list, then watch), the publish Service,
    /// and the status of Ingresses in any namespace.
    public static let clusterWide: Set<Rule> = {
        var rules = Set<Rule>()
        for resource in informed {
            rules.insert(Rule("list", resource))
            rules.insert(Rule("watch", resource))
        }
        // --publish-service NS/NAME may lie outside --watch-namespace.
        rules.insert(Rule("get", .services))
        // IngressStatusWriter: PATCH .../ingresses/NAME/status.
        rules.insert(Rule("patch", .ingresses, subresource: "status"))
        return rules
    }()

    /// Granted by the Role in the election namespace: LeaderElector reads, creates and
    /// patches (renews, takes over, releases) one Lease.
    public static let electionNamespace: Set<Rule> = [
        Rule("get", .leases), Rule("create", .leases), Rule("patch", .leases),
    ]

    /// The kinds with an informer: derived from the informers' own `ResourceKind` table, so
    /// that a kind added there shows up here (and in the RBAC test) by itself.
    /// (Secrets have two informers, one per type, and one entry here.)
    public static let informed: [APIResource] = ResourceKind.allCases.map(\.apiResource).reduce(into: []) { resources, resource in
        if !resources.contains(resource) { resources.append(resource) }
    }
}
