import ApusCore

extension IngressAnnotations {
    static let canaryFeatures: Set<String> = [
        "canary", "canary-by-header", "canary-by-header-value", "canary-by-header-pattern", "canary-by-cookie", "canary-weight", "canary-weight-total",
    ]

    /// Whether raw annotations ask for a canary (`canary: "true"` in either dialect), for
    /// an Ingress whose annotations were refused.
    static func asksForCanary(_ annotations: [String: String]) -> Bool {
        [apusPrefix, nginxPrefix].contains { annotations[$0 + "canary"].flatMap { boolean($0.trimmingSpaces) } == true }
    }

    /// `canary: "true"` with the `canary-*` values that go with it, the same names in both
    /// dialects. Without `canary: "true"` the others do nothing and the Ingress is an
    /// ordinary one, as in ingress-nginx. ingress-nginx falls back to a default on a value
    /// it cannot read; here a bad value refuses the Ingress and says why. Unlike
    /// ingress-nginx, a `canary-weight-total` below 100 is honoured (ingress-nginx counts it
    /// as 100).
    static func assembleCanary(
        _ result: inout IngressAnnotations, _ values: [String: (key: String, value: String)],
        at location: SourceLocation, into diagnostics: inout [Diagnostic]
    ) -> Bool {
        guard let switchValue = values["canary"] else {
            warnWithout("canary: \"true\"", values, at: location, into: &diagnostics)
            return true
        }
        guard let on = boolean(switchValue.value.trimmingSpaces) else {
            return refusal(switchValue.key, "'\(switchValue.value)' is not true or false", at: location, into: &diagnostics)
        }
        guard on else {
            warnWithout("canary: \"true\"", values.filter { $0.key != "canary" }, at: location, into: &diagnostics)
            return true
        }
        func text(_ feature: String) -> String? {
            values[feature].map { $0.value.trimmingSpaces }.flatMap { $0.isEmpty ? nil : $0 }
        }
        var config = CanaryConfig(upstream: "", location: location)
        config.header = text("canary-by-header")
        config.headerValue = text("canary-by-header-value")
        config.headerPattern = text("canary-by-header-pattern")
        config.cookie = text("canary-by-cookie")
        if config.header == nil {
            for feature in ["canary-by-header-value", "canary-by-header-pattern"] {
                if let entry = values[feature] {
                    diagnostics.append(.warning("annotation-without-effect", "annotation \(entry.key) has no effect without canary-by-header", at: location))
                }
            }
            config.headerValue = nil
            config.headerPattern = nil
        } else if config.headerValue != nil, let pattern = values["canary-by-header-pattern"] {
            diagnostics.append(.warning("annotation-without-effect", "annotation \(pattern.key) has no effect: canary-by-header-value is given and wins", at: location))
            config.headerPattern = nil
        }
        for (feature, keyPath) in [("canary-weight", \CanaryConfig.weight), ("canary-weight-total", \CanaryConfig.weightTotal)] {
            guard let entry = values[feature] else { continue }
            guard let number = Int(entry.value.trimmingSpaces) else {
                return refusal(entry.key, "'\(entry.value)' is not a whole number", at: location, into: &diagnostics)
            }
            config[keyPath: keyPath] = number
        }
        // The compiler's own check, so that the refusal names the annotation.
        let keys = ["header": "canary-by-header", "header_value": "canary-by-header-value", "header_pattern": "canary-by-header-pattern",
                    "cookie": "canary-by-cookie", "weight": "canary-weight", "weight_total": "canary-weight-total"]
        if let problem = RouteTableCompiler.canaryProblems(config).first {
            return refusal(problem, naming: keys, values, otherwise: switchValue.key, at: location, into: &diagnostics)
        }
        if config.weight > config.weightTotal, let entry = values["canary-weight"] {
            diagnostics.append(.warning("canary-weight-above-total", "annotation \(entry.key): \(config.weight) is above the total \(config.weightTotal); every request the header and cookie leave undecided goes to the canary", at: location))
        }
        result.canary = config
        return true
    }
}
