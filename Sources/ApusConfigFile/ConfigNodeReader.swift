import ApusCore
import Yams

/// Reads typed values out of a composed YAML tree, recording a diagnostic for every
/// structural problem instead of stopping at the first.
///
/// Readers return nil (or a default) after a problem so the walk can go on and report the
/// rest of the file; the caller discards the result when any error was recorded.
struct ConfigNodeReader {
    /// The config file's path, used for locations and for resolving relative paths in it.
    let path: String
    private(set) var diagnostics: [Diagnostic] = []

    init(path: String) {
        self.path = path
    }

    /// `path:line:column` of `node`; Yams marks are already 1-based.
    func location(of node: Node) -> SourceLocation {
        .file(path: path, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    mutating func error(_ code: String, _ message: String, at node: Node) {
        diagnostics.append(.error(code, message, at: location(of: node)))
    }

    mutating func wrongType(_ context: String, expected: String, found node: Node, hint: String = "") {
        error("wrong-type", "\(context): expected \(expected), found \(node.kindDescription)\(hint)", at: node)
    }

    mutating func missing(_ key: String, in fields: MappingFields) {
        let owner = fields.context.isEmpty ? "the top level" : fields.context
        error("missing-key", "\(owner): missing required key '\(key)'", at: fields.node)
    }

    // MARK: Containers

    /// The entries of `node` when it is a mapping; every key not in `allowed` is diagnosed.
    mutating func fields(of node: Node, at context: String, allowed: [String]) -> MappingFields? {
        guard case let .mapping(mapping) = node else {
            wrongType(context.isEmpty ? "the document" : context, expected: "a mapping", found: node)
            return nil
        }
        var fields = MappingFields(node: node, context: context)
        for (keyNode, value) in pairs(of: mapping, at: context) {
            guard case let .scalar(scalar) = keyNode, !keyNode.isNull else {
                wrongType(context.isEmpty ? "a key" : "a key in \(context)", expected: "a string", found: keyNode)
                continue
            }
            let key = scalar.string
            if allowed.contains(key) {
                fields.insert(key: key, keyNode: keyNode, value: value)
            } else {
                unknownKey(key, at: keyNode, in: context, allowed: allowed)
            }
        }
        return fields
    }

    private mutating func unknownKey(_ key: String, at node: Node, in context: String, allowed: [String]) {
        let owner = context.isEmpty ? "at the top level" : "in \(context)"
        var message = "unknown key '\(key)' \(owner)"
        if let suggestion = KeySuggestion.closest(to: key, among: allowed) {
            message += "; did you mean '\(suggestion)'?"
        }
        message += " (allowed: \(allowed.joined(separator: ", ")))"
        error("unknown-key", message, at: node)
    }

    /// The nested mapping under `key`; nil when absent or null (an optional section left empty).
    mutating func section(_ key: String, in fields: MappingFields, allowed: [String]) -> MappingFields? {
        guard let node = fields[key], !node.isNull else { return nil }
        return self.fields(of: node, at: fields.contextPath(key), allowed: allowed)
    }

    /// The items of the sequence under `key`; empty when absent or null, nil on a type error.
    mutating func sequence(_ key: String, in fields: MappingFields, required: Bool = false) -> [Node]? {
        guard let node = presentValue(key, in: fields, expected: "a sequence", required: required) else {
            return required ? nil : []
        }
        guard case let .sequence(items) = node else {
            wrongType(fields.contextPath(key), expected: "a sequence", found: node)
            return nil
        }
        return Array(items)
    }

    /// The value of `key` unless absent or null; a required key that is either is diagnosed.
    mutating func presentValue(_ key: String, in fields: MappingFields, expected: String, required: Bool) -> Node? {
        guard let node = fields[key] else {
            if required { missing(key, in: fields) }
            return nil
        }
        if node.isNull {
            if required { wrongType(fields.contextPath(key), expected: expected, found: node) }
            return nil
        }
        return node
    }
}
