import ApusCore

/// Block-style YAML of a tree, laid out as `kubectl get -o yaml` lays out objects (so that
/// `IngressClassRewrite` can rewrite it line by line): string values double-quoted with
/// JSON's escapes (valid YAML), numbers and booleans as they are, `apiVersion`, `kind`,
/// `metadata` and `spec` first, then the other keys in order.
extension ObjectTree {
    public var blockYAML: String {
        lines(indent: "").joined(separator: "\n") + "\n"
    }

    private func lines(indent: String) -> [String] {
        switch self {
        case .map(let fields) where !fields.isEmpty:
            var out: [String] = []
            for key in Self.ordered(fields.keys) {
                let value = fields[key]!
                let name = indent + Self.key(key) + ":"
                if let inline = value.inline {
                    out.append(name + " " + inline)
                } else {
                    out.append(name)
                    out += value.lines(indent: indent + "  ")
                }
            }
            return out
        case .list(let items) where !items.isEmpty:
            var out: [String] = []
            for item in items {
                if let inline = item.inline {
                    out.append(indent + "- " + inline)
                    continue
                }
                // The item's own lines, its first one after the dash.
                let nested = item.lines(indent: indent + "  ")
                out.append(indent + "- " + nested[0].dropFirst(indent.count + 2))
                out += nested.dropFirst()
            }
            return out
        default:
            return [indent + (inline ?? "null")]
        }
    }

    /// The value on its key's line: scalars, null, and empty collections.
    private var inline: String? {
        switch self {
        case .null: return "null"
        case .scalar(let text, let isString): return isString ? JSONWriter.quoted(text) : text
        case .map(let fields): return fields.isEmpty ? "{}" : nil
        case .list(let items): return items.isEmpty ? "[]" : nil
        }
    }

    private static func ordered(_ keys: Dictionary<String, ObjectTree>.Keys) -> [String] {
        let first = ["apiVersion", "kind", "metadata", "spec"]
        return first.filter(keys.contains) + keys.filter { !first.contains($0) }.sorted()
    }

    /// A key as written when YAML reads it back as the same string, else quoted.
    private static func key(_ text: String) -> String {
        let plainBytes = text.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/")
        }
        let readsAsOther = ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"].contains(text.lowercased())
            || Double(text) != nil || text.first == "-"
        return !text.isEmpty && plainBytes && !readsAsOther ? text : JSONWriter.quoted(text)
    }
}
