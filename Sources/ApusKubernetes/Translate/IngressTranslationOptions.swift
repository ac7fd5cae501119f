import ApusCore

/// What the controller serves: its class, its controller name and its namespace scope.
public struct IngressTranslationOptions: Equatable, Sendable {
    /// The IngressClass name served (`--ingress-class`).
    public var ingressClass: String
    /// `spec.controller` of the IngressClasses that are ours (`--controller-name`).
    public var controllerName: String
    /// Only Ingresses of this namespace are served (`--watch-namespace`); nil for all.
    public var watchNamespace: String?
    /// The Service that answers what no rule matches and the errors of Ingresses without a
    /// `default-backend` of their own (`--default-backend-service NAMESPACE/NAME`).
    public var defaultBackendService: ObjectKey?
    /// Statuses every Ingress's error backend serves unless its `custom-http-errors` says
    /// otherwise (`--custom-http-errors`, ingress-nginx's ConfigMap key of that name).
    public var customHTTPErrors: [Int] = []
    /// Strict-Transport-Security for the hosts a TLS section gives a usable certificate
    /// (`--hsts`, ingress-nginx's ConfigMap keys `hsts` and `hsts-*`); nil adds none.
    public var hsts: HSTSConfig?
    /// How the upstreams of Ingresses without a `load-balance` annotation are balanced
    /// (`--load-balance`, ingress-nginx's ConfigMap key of that name; round robin there too).
    public var defaultBalance: BalancePolicy
    /// The answer over a rate or requests-in-progress limit (`--limit-req-status-code`,
    /// `--limit-conn-status-code`, ingress-nginx's ConfigMap keys); nil keeps the
    /// `--config` file's (503 unless it says otherwise).
    public var rateLimitStatus: Int?
    public var connectionLimitStatus: Int?

    public init(ingressClass: String = "apus", controllerName: String = IngressTranslationOptions.defaultControllerName, watchNamespace: String? = nil,
                defaultBackendService: ObjectKey? = nil, customHTTPErrors: [Int] = [], hsts: HSTSConfig? = nil,
                defaultBalance: BalancePolicy = .roundRobin) {
        self.defaultBalance = defaultBalance
        self.ingressClass = ingressClass
        self.controllerName = controllerName
        self.watchNamespace = watchNamespace
        self.defaultBackendService = defaultBackendService
        self.customHTTPErrors = customHTTPErrors
        self.hsts = hsts
    }

    public static let defaultControllerName = "apus.dev/ingress-controller"
}
