/// Reads typed fields out of an `ObjectTree`, keeping the dotted path for error messages.
///
/// Absent and null fields read as nil (or empty); present fields of the wrong shape throw.
struct FieldReader {
    let tree: ObjectTree
    let path: String
    let object: ObjectReference?

    init(_ tree: ObjectTree, path: String = "", object: ObjectReference? = nil) {
        self.tree = tree
        self.path = path
        self.object = object
    }

    func failure(_ key: String?, _ problem: String) -> ObjectDecodingError {
        ObjectDecodingError(object: object, field: field(key), problem: problem)
    }

    private func field(_ key: String?) -> String {
        guard let key else { return path }
        return path.isEmpty ? key : "\(path).\(key)"
    }

    /// The field's reader; nil when absent or null. Throws when it is not a mapping.
    func map(_ key: String) throws(ObjectDecodingError) -> FieldReader? {
        guard let value = tree[key], value != .null else { return nil }
        guard case .map = value else { throw failure(key, "expected a mapping, found \(value.shapeName)") }
        return FieldReader(value, path: field(key), object: object)
    }

    func list(_ key: String) throws(ObjectDecodingError) -> [FieldReader] {
        guard let value = tree[key], value != .null else { return [] }
        guard case .list(let items) = value else { throw failure(key, "expected a list, found \(value.shapeName)") }
        let base = field(key)
        return items.enumerated().map { FieldReader($0.element, path: "\(base)[\($0.offset)]", object: object) }
    }

    /// The reader's own value as a mapping (for list items).
    func requireMap() throws(ObjectDecodingError) -> FieldReader {
        guard case .map = tree else { throw failure(nil, "expected a mapping, found \(tree.shapeName)") }
        return self
    }

    func string(_ key: String) throws(ObjectDecodingError) -> String? {
        guard let value = tree[key], value != .null else { return nil }
        guard case .scalar(let text, _) = value else { throw failure(key, "expected a string, found \(value.shapeName)") }
        return text
    }

    func requiredString(_ key: String) throws(ObjectDecodingError) -> String {
        guard let text = try string(key), !text.isEmpty else { throw failure(key, "is required") }
        return text
    }

    /// The reader's own value as a string (for list items).
    func scalarText() throws(ObjectDecodingError) -> String {
        guard case .scalar(let text, _) = tree else { throw failure(nil, "expected a string, found \(tree.shapeName)") }
        return text
    }

    func int(_ key: String) throws(ObjectDecodingError) -> Int? {
        guard let text = try string(key) else { return nil }
        guard let value = Int(text) else { throw failure(key, "expected an integer, found '\(text)'") }
        return value
    }

    func bool(_ key: String) throws(ObjectDecodingError) -> Bool? {
        guard let text = try string(key) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw failure(key, "expected true or false, found '\(text)'")
        }
    }

    /// A string-to-string mapping (labels, annotations); values must be scalars.
    func stringMap(_ key: String, keeping keep: (String) -> Bool = { _ in true }) throws(ObjectDecodingError) -> [String: String] {
        guard let value = tree[key], value != .null else { return [:] }
        guard case .map(let fields) = value else { throw failure(key, "expected a mapping, found \(value.shapeName)") }
        var result: [String: String] = [:]
        for (name, item) in fields where keep(name) {
            guard case .scalar(let text, _) = item else { throw failure("\(key).\(name)", "expected a string, found \(item.shapeName)") }
            result[name] = text
        }
        return result
    }

    /// An int-or-string field (`targetPort`): digits read as a number.
    func intOrString(_ key: String) throws(ObjectDecodingError) -> IntOrString? {
        guard let value = tree[key], value != .null else { return nil }
        guard case .scalar(let text, let isString) = value else { throw failure(key, "expected a number or a name, found \(value.shapeName)") }
        if !isString, let number = Int(text) { return .number(number) }
        return .name(text)
    }
}
