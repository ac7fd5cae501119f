import ApusCore
import Yams

/// `compression:` at the top level and on a path rule (where the keys written replace
/// the top-level values).
extension ConfigNodeReader {
    static let compressionKeys = ["gzip", "level", "min_length", "types"]

    mutating func compression(in top: MappingFields) -> CompressionConfig {
        let defaults = CompressionConfig()
        guard let node = top["compression"], !node.isNull,
              let settings = compressionSettings(node, at: "compression")
        else { return defaults }
        return settings.applied(to: defaults)
    }

    mutating func compressionOverride(in fields: MappingFields) -> CompressionOverride? {
        guard let node = fields["compression"], !node.isNull else { return nil }
        return compressionSettings(node, at: fields.contextPath("compression"))
    }

    private mutating func compressionSettings(_ node: Node, at context: String) -> CompressionOverride? {
        guard let fields = fields(of: node, at: context, allowed: Self.compressionKeys) else { return nil }
        var settings = CompressionOverride(location: location(of: node))
        settings.gzip = boolean("gzip", in: fields)
        settings.level = integer("level", in: fields, minimum: 1, maximum: 9)
        settings.minLength = size("min_length", in: fields)
        settings.types = mediaRanges("types", in: fields)
        return settings
    }

    /// A list of media ranges, each checked with `MediaRange.parse` (the compiler's rule).
    private mutating func mediaRanges(_ key: String, in fields: MappingFields) -> [String]? {
        guard fields[key].map({ !$0.isNull }) == true, let items = sequence(key, in: fields) else { return nil }
        var ranges: [String] = []
        var valid = true
        for (index, item) in items.enumerated() {
            let context = "\(fields.contextPath(key))[\(index)]"
            guard let text = string(item, at: context) else {
                valid = false
                continue
            }
            guard MediaRange.parse(text) != nil else {
                error("bad-value", "\(context): '\(text)' is not a media range "
                    + "(use type/subtype, type/*, or type/*+suffix such as application/*+json)", at: item)
                valid = false
                continue
            }
            ranges.append(text)
        }
        return valid ? ranges : nil
    }
}
