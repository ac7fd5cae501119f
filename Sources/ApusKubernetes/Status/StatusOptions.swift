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
    /// `--controller-name` and `--ingress-class`, to tell which Ingresses are ours.
    public var controllerName: String
    public var ingressClass: String

    public init(
        publishService: ObjectKey? = nil, publishAddresses: [String] = [], electionNamespace: String? = nil,
        electionID: String = "apus-controller-leader", controllerName: String = IngressTranslationOptions.defaultControllerName,
        ingressClass: String = "apus"
    ) {
        self.publishService = publishService
        self.publishAddresses = publishAddresses
        self.electionNamespace = electionNamespace
        self.electionID = electionID
        self.controllerName = controllerName
        self.ingressClass = ingressClass
    }

    /// Whether any status is to be written at all.
    public var publishes: Bool { publishService != nil || !publishAddresses.isEmpty }
}
