import ApusCore
import Yams

/// `routes:`, each a host with path rules, and each path rule with exactly one action.
extension ConfigNodeReader {
    static let routeKeys = ["host", "paths"] + settingKeys + ["hsts", "client_certificates"]
    static let actionKeys = ["upstream", "static", "redirect", "respond"]
    static let pathRuleKeys = ["path", "type", "compression", "rewrite", "max_body_size"] + actionKeys + settingKeys

    mutating func routes(in top: MappingFields) -> [RouteConfig] {
        var routes: [RouteConfig] = []
        for (index, item) in (sequence("routes", in: top) ?? []).enumerated() {
            let context = "routes[\(index)]"
            guard let fields = fields(of: item, at: context, allowed: Self.routeKeys) else { continue }
            let host = string("host", in: fields)
            let settings = routeSettings(in: fields)
            guard let items = sequence("paths", in: fields, required: true) else { continue }
            var rules: [PathRuleConfig] = []
            for (ruleIndex, ruleNode) in items.enumerated() {
                if let rule = pathRule(ruleNode, at: "\(context).paths[\(ruleIndex)]") { rules.append(rule) }
            }
            routes.append(RouteConfig(host: host, paths: rules, settings: settings, location: location(of: item)))
        }
        return routes
    }

    private mutating func pathRule(_ node: Node, at context: String) -> PathRuleConfig? {
        guard let fields = fields(of: node, at: context, allowed: Self.pathRuleKeys) else { return nil }
        let path = string("path", in: fields, required: true)
        let kind = choice("type", in: fields, options: ["Exact", "Prefix", "Regex"], as: PathMatchKind.self)
        let settings = routeSettings(in: fields)
        let compression = compressionOverride(in: fields)
        let written = Self.actionKeys.filter { fields.contains($0) }
        // Every action is read even when there are several, so their own errors show up too.
        let actions = written.map { action($0, in: fields) }
        guard written.count == 1 else {
            reportActionCount(written, in: fields)
            return nil
        }
        let rewrite = string("rewrite", in: fields)
        let maxBodyBytes = size("max_body_size", in: fields)
        guard let path, let action = actions[0] else { return nil }
        var rule = PathRuleConfig(path: path, match: kind ?? .prefix, action: action, compression: compression, settings: settings,
                                  location: location(of: node))
        rule.rewrite = rewrite
        rule.maxBodyBytes = maxBodyBytes
        return rule
    }

    private mutating func reportActionCount(_ written: [String], in fields: MappingFields) {
        let choices = Self.actionKeys.joined(separator: ", ")
        if written.isEmpty {
            error("path-action", "\(fields.context): a path rule needs one action (\(choices))", at: fields.node)
        } else if let second = fields.keyNode(written[1]) {
            let listed = written.map { "'\($0)'" }.joined(separator: " and ")
            error("path-action", "\(fields.context): a path rule takes exactly one action, found \(listed)", at: second)
        }
    }

    private mutating func action(_ key: String, in fields: MappingFields) -> RouteAction? {
        switch key {
        case "upstream":
            return string("upstream", in: fields, required: true).map { .proxy(upstream: $0) }
        case "static":
            return staticFiles(in: fields).map { .staticFiles($0) }
        case "redirect":
            return redirect(in: fields).map { .redirect($0) }
        default:
            return fixedResponse(in: fields).map { .fixedResponse($0) }
        }
    }

    private mutating func actionFields(_ key: String, in fields: MappingFields, allowed: [String]) -> MappingFields? {
        guard let node = presentValue(key, in: fields, expected: "a mapping", required: true) else { return nil }
        return self.fields(of: node, at: fields.contextPath(key), allowed: allowed)
    }

    private mutating func staticFiles(in fields: MappingFields) -> StaticFilesConfig? {
        guard let section = actionFields("static", in: fields, allowed: ["root", "index", "fallback"]) else { return nil }
        let root = string("root", in: section, required: true)
        let index = string("index", in: section)
        let fallback = string("fallback", in: section)
        guard let root else { return nil }
        var files = StaticFilesConfig(root: ConfigRelativePath.resolve(root, relativeTo: path), fallback: fallback)
        if let index { files.index = index }
        return files
    }

    private mutating func redirect(in fields: MappingFields) -> RedirectConfig? {
        let keys = ["status", "scheme", "host", "path", "url"]
        guard let section = actionFields("redirect", in: fields, allowed: keys) else { return nil }
        var redirect = RedirectConfig()
        if let status = integer("status", in: section) { redirect.status = status }
        redirect.scheme = string("scheme", in: section)
        redirect.host = string("host", in: section)
        redirect.path = string("path", in: section)
        redirect.url = string("url", in: section)
        if redirect.url != nil, let other = ["scheme", "host", "path"].first(where: { section.contains($0) }), let node = section.keyNode(other) {
            error("redirect", "\(section.context): 'url' is the whole Location; leave out '\(other)'", at: node)
            return nil
        }
        // A redirect that changes nothing would send the client back to the same URL forever.
        if redirect.scheme == nil, redirect.host == nil, redirect.path == nil, redirect.url == nil, !writesTarget(section) {
            error("missing-key", "\(section.context): a redirect needs at least one of 'scheme', 'host', 'path', 'url'",
                  at: section.node)
            return nil
        }
        return redirect
    }

    /// Whether a target key is written with a value (one that failed to read was already
    /// diagnosed, and "needs at least one" on top of that would be noise).
    private func writesTarget(_ section: MappingFields) -> Bool {
        ["scheme", "host", "path"].contains { section.contains($0) && !(section[$0]?.isNull ?? true) }
    }

    private mutating func fixedResponse(in fields: MappingFields) -> FixedResponseConfig? {
        let keys = ["status", "body", "content_type"]
        guard let section = actionFields("respond", in: fields, allowed: keys) else { return nil }
        var response = FixedResponseConfig(status: 200)
        if let status = integer("status", in: section) { response.status = status }
        if let body = string("body", in: section) { response.body = body }
        if let contentType = string("content_type", in: section) { response.contentType = contentType }
        return response
    }
}
