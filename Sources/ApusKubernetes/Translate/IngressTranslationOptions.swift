/// What the controller serves: its class, its controller name and its namespace scope.
public struct IngressTranslationOptions: Equatable, Sendable {
    /// The IngressClass name served (`--ingress-class`).
    public var ingressClass: String
    /// `spec.controller` of the IngressClasses that are ours (`--controller-name`).
    public var controllerName: String
    /// Only Ingresses of this namespace are served (`--watch-namespace`); nil for all.
    public var watchNamespace: String?

    public init(ingressClass: String = "apus", controllerName: String = IngressTranslationOptions.defaultControllerName, watchNamespace: String? = nil) {
        self.ingressClass = ingressClass
        self.controllerName = controllerName
        self.watchNamespace = watchNamespace
    }

    public static let defaultControllerName = "apus.dev/ingress-controller"
}
