import ApusCore

/// Decides which Ingresses are ours (DESIGN.md, "Kubernetes Ingress semantics").
///
/// Ours when `spec.ingressClassName` is our class and that IngressClass names our
/// controller; when there is no class name but the legacy `kubernetes.io/ingress.class`
/// annotation is our class; or when neither is set and our IngressClass is the default.
struct IngressClassFilter {
    let options: IngressTranslationOptions
    let classes: [String: IngressClass]

    /// Whether the Ingress is ours, and a finding when it names our class but cannot be served.
    func claims(_ ingress: Ingress) -> (Bool, Diagnostic?) {
        if let namespace = options.watchNamespace, ingress.metadata.namespace != namespace { return (false, nil) }
        if let className = ingress.ingressClassName {
            guard className == options.ingressClass else { return (false, nil) }
            guard let ingressClass = classes[className] else {
                return (false, .warning("ingress-class-missing", "IngressClass '\(className)' does not exist; the Ingress is not served until it does", at: ingress.reference.location))
            }
            guard ingressClass.controller == options.controllerName else {
                return (false, .warning("ingress-class-other-controller", "IngressClass '\(className)' names controller '\(ingressClass.controller)', not '\(options.controllerName)'; the Ingress is not served", at: ingress.reference.location))
            }
            return (true, nil)
        }
        if let legacy = ingress.metadata.annotations[Ingress.legacyClassAnnotation] {
            return (legacy == options.ingressClass, nil)
        }
        guard let ours = classes[options.ingressClass], ours.controller == options.controllerName, ours.isDefault else { return (false, nil) }
        return (true, nil)
    }
}
