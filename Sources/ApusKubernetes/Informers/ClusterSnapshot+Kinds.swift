extension ClusterSnapshot {
    /// Replaces every object of `kind` at once (a relist): the old objects stay until the
    /// complete new list is here, so routes never drop while it is read.
    public mutating func replace(_ kind: ResourceKind, with objects: [KubernetesObject]) {
        switch kind {
        case .ingressClass: ingressClasses = [:]
        case .ingress: ingresses = [:]
        case .service: services = [:]
        case .endpointSlice: endpointSlices = [:]
        case .secret: secrets = [:]
        case .opaqueSecret: opaqueSecrets = [:]
        case .configMap: configMaps = [:]
        }
        for object in objects { insert(object) }
    }
}
