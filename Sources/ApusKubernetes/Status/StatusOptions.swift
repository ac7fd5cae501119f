/// What `apus controller` was asked to do about Ingress status and leader election
/// (issue 4 point 6): parsed by the command, acted on by the status writer.
public struct StatusOptions: Equatable, Sendable {
    /// `--publish-service NS/NAME`: copy that Service's load-balancer IPs and hostnames.
    public var publishService: ObjectKey?
    /// `--publish-address ADDR[,ADDR]`: IPs or hostnames to write as they are.
    public var publishAddresses: [String]
    /// `--election-namespace` (default: the pod's namespace, else `default`).
    public var electionNamespace: String?
    /// `--election-id` (the Lease name).
    public var electionID: String

    public init(
        publishService: ObjectKey? = nil, publishAddresses: [String] = [], electionNamespace: String? = nil,
        electionID: String = "apus-controller-leader"
    ) {
        self.publishService = publishService
        self.publishAddresses = publishAddresses
        self.electionNamespace = electionNamespace
        self.electionID = electionID
    }

    /// Whether any status is to be written at all.
    public var publishes: Bool { publishService != nil || !publishAddresses.isEmpty }
}
