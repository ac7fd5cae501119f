/// `networking.k8s.io/v1` IngressClass: which controller serves Ingresses of this class.
public struct IngressClass: Equatable, Sendable {
    public var metadata: ObjectMeta
    /// `apus.dev/ingress-controller` for ours.
    public var controller: String

    public init(metadata: ObjectMeta, controller: String) {
        self.metadata = metadata
        self.controller = controller
    }

    public static let defaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class"

    /// Ingresses without a class belong to this one (the annotation is exactly "true").
    public var isDefault: Bool { metadata.annotations[Self.defaultClassAnnotation] == "true" }
}
