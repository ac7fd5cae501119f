import Yams

/// YAML merge keys (`<<: *defaults`), which Yams leaves unexpanded in a composed tree.
///
/// Supported because repeating the same keepalive and timeouts in every upstream is exactly
/// what anchors are for. Keys written in the mapping win over merged ones, and among merged
/// mappings the first listed wins (YAML 1.1 merge rules).
extension ConfigNodeReader {
    /// The mapping's entries with every merge key replaced by the entries it brings in.
    mutating func pairs(of mapping: Node.Mapping, at context: String) -> [(key: Node, value: Node)] {
        var result: [(key: Node, value: Node)] = []
        var sources: [Node] = []
        for (key, value) in mapping {
            if key.tag.description == Tag.Name.merge.rawValue {
                sources.append(value)
            } else {
                result.append((key, value))
            }
        }
        guard !sources.isEmpty else { return result }
        var seen = Set(result.compactMap { $0.key.scalar?.string })
        for source in sources {
            for merged in mergedMappings(source, at: context) {
                for (key, value) in pairs(of: merged, at: context) {
                    guard let name = key.scalar?.string, !seen.contains(name) else { continue }
                    seen.insert(name)
                    result.append((key, value))
                }
            }
        }
        return result
    }

    /// `<<: *a` or `<<: [*a, *b]`; anything else is diagnosed.
    private mutating func mergedMappings(_ source: Node, at context: String) -> [Node.Mapping] {
        let mergeContext = context.isEmpty ? "<<" : "\(context).<<"
        switch source {
        case let .mapping(mapping):
            return [mapping]
        case let .sequence(items):
            return items.compactMap { item in
                guard case let .mapping(mapping) = item else {
                    wrongType(mergeContext, expected: "a mapping", found: item)
                    return nil
                }
                return mapping
            }
        default:
            wrongType(mergeContext, expected: "a mapping or a sequence of mappings", found: source)
            return []
        }
    }
}
