import ApusCore
import Yams

/// An upstream's `affinity:` and `hash_by:`, the keyed ways of picking an endpoint.
extension ConfigNodeReader {
    static let affinityKeys = ["cookie", "mode", "path", "domain", "max_age", "expires", "samesite", "secure",
                               "conditional_samesite_none", "change_on_failure"]

    /// `affinity: { cookie: NAME, mode: balanced, path: /, domain: D, max_age: 1h, expires: 1h,
    /// samesite: Lax, secure: true, conditional_samesite_none: true, change_on_failure: true }`;
    /// every key is optional. The values are checked here, so that errors point at them.
    mutating func affinity(in fields: MappingFields) -> AffinityConfig? {
        guard let node = fields["affinity"], !node.isNull else { return nil }
        guard let section = self.fields(of: node, at: fields.contextPath("affinity"), allowed: Self.affinityKeys) else { return nil }
        var config = AffinityConfig(location: location(of: node))
        if let name = string("cookie", in: section) { config.cookieName = name }
        if let mode = choice("mode", in: section, options: AffinityConfig.Mode.allCases.map(\.rawValue), as: AffinityConfig.Mode.self) {
            config.mode = mode
        }
        config.path = string("path", in: section)
        config.domain = string("domain", in: section)
        config.maxAgeSeconds = wholeSeconds("max_age", in: section)
        config.expiresSeconds = wholeSeconds("expires", in: section)
        config.sameSite = choice("samesite", in: section, options: AffinityConfig.SameSite.allCases.map(\.rawValue), as: AffinityConfig.SameSite.self)
        config.secure = boolean("secure", in: section)
        config.conditionalSameSiteNone = boolean("conditional_samesite_none", in: section) ?? false
        config.changeOnFailure = boolean("change_on_failure", in: section) ?? false
        var valid = true
        for problem in config.problems {
            let key = String(problem.prefix { $0 != ":" })
            error("invalid-affinity", "\(section.contextPath(key))\(problem.drop { $0 != ":" })", at: section[key] ?? node)
            valid = false
        }
        return valid ? config : nil
    }

    /// A cookie lifetime: a duration of whole seconds (`Max-Age=0` would delete the cookie
    /// the moment it is set).
    private mutating func wholeSeconds(_ key: String, in fields: MappingFields) -> Int? {
        guard let milliseconds = duration(key, in: fields), let node = fields[key] else { return nil }
        guard milliseconds >= 1000 && milliseconds % 1000 == 0 else {
            error("invalid-affinity", "\(fields.contextPath(key)): a cookie lifetime is whole seconds, at least 1s", at: node)
            return nil
        }
        return milliseconds / 1000
    }

    /// `hash_by: "$remote_addr"` (nginx variables and text) with an optional
    /// `hash_subset_size: 3`.
    mutating func upstreamHash(in fields: MappingFields) -> UpstreamHashConfig? {
        let size = integer("hash_subset_size", in: fields, minimum: 1, maximum: UpstreamHashConfig.largestSubset)
        guard let node = fields["hash_by"], let text = string("hash_by", in: fields) else {
            if let sizeNode = fields["hash_subset_size"], size != nil {
                error("invalid-hash", "\(fields.contextPath("hash_subset_size")): needs hash_by", at: sizeNode)
            }
            return nil
        }
        switch RequestTemplate.parse(text) {
        case .failure(let problem):
            error("invalid-hash", "\(fields.contextPath("hash_by")): \(problem.message)", at: node)
            return nil
        case .success(let template):
            if template.isConstant {
                error("invalid-hash", "\(fields.contextPath("hash_by")): '\(text)' uses no variable, so every request would go to one endpoint (write $remote_addr, $request_uri, $cookie_NAME, ...)", at: node)
                return nil
            }
            return UpstreamHashConfig(key: template, subsetSize: size, location: location(of: node))
        }
    }
}
