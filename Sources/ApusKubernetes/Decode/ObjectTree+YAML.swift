import Yams

extension ObjectTree {
    /// One document of a YAML manifest with the line it starts on.
    public struct Document: Sendable {
        public var tree: ObjectTree
        /// Line (from 1) of the document's first node.
        public var line: Int
    }

    /// Splits multi-document YAML into trees. Empty documents (a trailing `---`) are skipped.
    public static func parseYAMLDocuments(_ text: String) throws(ObjectDecodingError) -> [Document] {
        var documents: [Document] = []
        do {
            // Not `compose_all`: its lazy sequence ends quietly at a syntax error, which
            // would turn a broken file into fewer documents instead of a diagnostic.
            let parser = try Parser(yaml: text)
            while let node = try parser.nextRoot() {
                if isNull(node) { continue }
                documents.append(Document(tree: tree(of: node), line: node.mark?.line ?? 1))
            }
        } catch {
            throw ObjectDecodingError(object: nil, field: "", problem: "is not valid YAML (\(error))")
        }
        return documents
    }

    /// `~`, `null` or an empty value. (Tag names are internal to Yams; its description is public.)
    private static func isNull(_ node: Node) -> Bool {
        if case .scalar = node { return node.tag.description == Tag.Name.null.rawValue }
        return false
    }

    private static func tree(of node: Node) -> ObjectTree {
        switch node {
        case .scalar(let scalar):
            if isNull(node) { return .null }
            // A plain `80` resolves to an int tag, `demo` to str; any quoted form is a string.
            return .scalar(scalar.string, isString: scalar.style != .plain || node.tag.description == Tag.Name.str.rawValue)
        case .sequence(let sequence):
            return .list(sequence.map(tree(of:)))
        case .mapping(let mapping):
            var fields: [String: ObjectTree] = [:]
            for (key, value) in mapping {
                guard case .scalar(let name) = key else { continue }
                fields[name.string] = tree(of: value)
            }
            return .map(fields)
        case .alias:
            return .null
        }
    }
}
