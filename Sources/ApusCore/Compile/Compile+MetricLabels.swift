extension RouteTableCompiler {
    /// The labels of a rule's requests: from its origin when an Ingress made it, else the
    /// upstream it proxies to stands for the Service.
    static func metricLabels(of rule: PathRuleConfig, host: HostPattern?, upstreams: [String: Int]) -> RouteMetricLabels {
        var labels = RouteMetricLabels()
        labels.host = host?.text ?? ""
        labels.path = rule.path
        if let origin = rule.origin {
            labels.namespace = origin.namespace
            labels.ingress = origin.ingress
            labels.service = origin.service
        } else if case .proxy(let upstream) = rule.action, upstreams[upstream] != nil {
            labels.service = upstream
        }
        return labels
    }
}
