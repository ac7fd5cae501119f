import Yams

/// The entries of one YAML mapping whose keys were checked against the schema.
///
/// Built only by `ConfigNodeReader.fields(of:at:allowed:)`, so every key it holds is an
/// allowed one; unknown keys were diagnosed and left out.
struct MappingFields {
    /// The mapping node itself, for diagnostics about the mapping as a whole.
    let node: Node
    /// Where the mapping sits in the document, as `listeners[0]` or `upstreams.api`.
    let context: String
    private var entries: [String: (key: Node, value: Node)] = [:]

    init(node: Node, context: String) {
        self.node = node
        self.context = context
    }

    mutating func insert(key: String, keyNode: Node, value: Node) {
        entries[key] = (keyNode, value)
    }

    /// The value written for `key`, null included; nil when the key is absent.
    subscript(key: String) -> Node? {
        entries[key]?.value
    }

    /// The key node itself, to point a diagnostic at the key rather than its value.
    func keyNode(_ key: String) -> Node? {
        entries[key]?.key
    }

    /// Whether `key` is written at all (even with a null value).
    func contains(_ key: String) -> Bool {
        entries[key] != nil
    }

    /// `listeners[0].listen`, or just `listen` at the top level.
    func contextPath(_ key: String) -> String {
        context.isEmpty ? key : "\(context).\(key)"
    }
}

extension Node {
    /// A plain `~`, `null` or empty value: YAML's way of writing "nothing here".
    var isNull: Bool {
        if case .scalar = self { return tag.description == Tag.Name.null.rawValue }
        return false
    }

    /// What the node is, for "expected X, found Y" messages.
    var kindDescription: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a sequence"
        case .alias: return "an alias"
        case .scalar:
            // Tag names are internal to Yams; the description is the resolved tag's name.
            switch Tag.Name(rawValue: tag.description) {
            case .null: return "null"
            case .bool: return "a bool"
            case .int: return "an integer"
            case .float: return "a number"
            default: return "a string"
            }
        }
    }
}
