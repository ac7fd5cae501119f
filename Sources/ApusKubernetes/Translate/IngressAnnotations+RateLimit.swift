import ApusCore

/// `limit-rps`, `limit-rpm`, `limit-burst-multiplier`, `limit-connections` and
/// `limit-allowlist` (`limit-whitelist`), the same names in both dialects. A count of 0 sets
/// no limit and a multiplier of 0 no burst, as in ingress-nginx; a value that is not a whole
/// number refuses the Ingress (ingress-nginx ignores it).
extension IngressAnnotations {
    static let limitFeatures: Set<String> = ["limit-rps", "limit-rpm", "limit-burst-multiplier", "limit-connections", "limit-allowlist"]

    static func assembleRateLimit(
        _ result: inout IngressAnnotations, _ values: [String: (key: String, value: String)],
        at location: SourceLocation, into diagnostics: inout [Diagnostic]
    ) -> Bool {
        guard !values.isEmpty else { return true }
        var limit = RateLimitConfig(location: location)
        func count(_ feature: String) -> Int?? {
            guard let entry = values[feature] else { return .some(nil) }
            guard let number = Int(entry.value.trimmingSpaces), number >= 0 else {
                _ = refusal(entry.key, "'\(entry.value)' is not a whole number", at: location, into: &diagnostics)
                return nil
            }
            return .some(number == 0 ? nil : number)
        }
        guard let perSecond = count("limit-rps"), let perMinute = count("limit-rpm"), let connections = count("limit-connections") else { return false }
        limit.perSecond = perSecond
        limit.perMinute = perMinute
        limit.connections = connections
        if let multiplier = values["limit-burst-multiplier"] {
            // 0 is no burst at all, as in ingress-nginx.
            guard let number = Int(multiplier.value.trimmingSpaces) else {
                return refusal(multiplier.key, "'\(multiplier.value)' is not a whole number", at: location, into: &diagnostics)
            }
            limit.burstMultiplier = number
        }
        if let allow = values["limit-allowlist"] {
            limit.allow = allow.value.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        }
        guard perSecond != nil || perMinute != nil || connections != nil else {
            for (_, entry) in values.sorted(by: { $0.key < $1.key }) where !["limit-rps", "limit-rpm", "limit-connections"].contains(entry.key.split(separator: "/").last.map(String.init) ?? "") {
                diagnostics.append(.warning("annotation-without-effect", "annotation \(entry.key) has no effect without limit-rps, limit-rpm or limit-connections", at: location))
            }
            return true
        }
        // The compiler's own check, so that the refusal names the annotation.
        let keys = ["rps": "limit-rps", "rpm": "limit-rpm", "connections": "limit-connections", "burst_multiplier": "limit-burst-multiplier",
                    "allow": "limit-allowlist"]
        if let problem = limit.problems.first {
            return refusal(problem, naming: keys, values, otherwise: values.first!.value.key, at: location, into: &diagnostics)
        }
        result.rateLimit = limit
        return true
    }
}
