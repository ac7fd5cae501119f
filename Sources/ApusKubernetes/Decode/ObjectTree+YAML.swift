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
            var budget = maximumNodes
            while let node = try parser.nextRoot() {
                if isNull(node) { continue }
                guard let tree = tree(of: node, budget: &budget) else {
                    throw ObjectDecodingError(object: nil, field: "", problem: "stands for more than \(maximumNodes) YAML nodes once its aliases are followed (an alias bomb?)")
                }
                documents.append(Document(tree: tree, line: node.mark?.line ?? 1))
            }
        } catch let error as ObjectDecodingError {
            throw error
        } catch {
            throw ObjectDecodingError(object: nil, field: "", problem: "is not valid YAML (\(error))")
        }
        return documents
    }

    /// Yams shares an anchored node among its aliases; the tree built here copies it at
    /// every alias, so a few hundred bytes of nested aliases would fill memory. Real
    /// manifests are far below this.
    static let maximumNodes = 1_000_000

    /// `~`, `null` or an empty value. (Tag names are internal to Yams; its description is public.)
    private static func isNull(_ node: Node) -> Bool {
        if case .scalar = node { return node.tag.description == Tag.Name.null.rawValue }
        return false
    }

    /// Nil once more than `budget` nodes have been built.
    private static func tree(of node: Node, budget: inout Int) -> ObjectTree? {
        budget -= 1
        guard budget >= 0 else { return nil }
        switch node {
        case .scalar(let scalar):
            if isNull(node) { return .null }
            // A plain `80` resolves to an int tag, `demo` to str; any quoted form is a string.
            return .scalar(scalar.string, isString: scalar.style != .plain || node.tag.description == Tag.Name.str.rawValue)
        case .sequence(let sequence):
            var items: [ObjectTree] = []
            for item in sequence {
                guard let child = tree(of: item, budget: &budget) else { return nil }
                items.append(child)
            }
            return .list(items)
        case .mapping(let mapping):
            var fields: [String: ObjectTree] = [:]
            for (key, value) in mapping {
                guard case .scalar(let name) = key else { continue }
                guard let child = tree(of: value, budget: &budget) else { return nil }
                fields[name.string] = child
            }
            return .map(fields)
        case .alias:
            return .null
        }
    }
}
