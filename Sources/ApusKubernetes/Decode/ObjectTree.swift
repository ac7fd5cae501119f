/// A decoded JSON or YAML document before it is read as a Kubernetes object: the one
/// shape both inputs are brought to, so that objects have a single decoding path.
///
/// Scalars keep their text (`80`, `true`, `demo`); the reader decides the type a field
/// needs, the way YAML itself leaves scalars untyped. Explicit nulls are kept apart so that
/// `endpoints: null` (watch bookmarks send it) reads as "absent".
public indirect enum ObjectTree: Equatable, Sendable {
    case null
    /// Text of a string, number or boolean. `isString` is true for JSON strings and quoted
    /// YAML scalars, so that `"80"` and `80` can be told apart where it matters.
    case scalar(String, isString: Bool)
    case list([ObjectTree])
    case map([String: ObjectTree])

    public subscript(key: String) -> ObjectTree? {
        if case .map(let fields) = self { return fields[key] }
        return nil
    }

    /// The text of a scalar; nil for anything else.
    public var text: String? {
        if case .scalar(let value, _) = self { return value }
        return nil
    }

    /// A short name of the value's shape, for "expected X, found Y" messages.
    var shapeName: String {
        switch self {
        case .null: return "null"
        case .scalar(_, let isString): return isString ? "a string" : "a scalar"
        case .list: return "a list"
        case .map: return "a mapping"
        }
    }
}
