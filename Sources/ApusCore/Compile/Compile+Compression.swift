extension RouteTableCompiler {
    /// Compiles one rule's compression settings (the top level with the rule's override
    /// applied); nil when gzip is off. A value out of range is diagnosed and its default
    /// used instead, since serving uncompressed is never wrong. Equal settings share one
    /// policy through `cache`.
    static func compileCompression(
        _ base: CompressionConfig, override: CompressionOverride?, cache: inout [CompressionConfig: CompressionPolicy]
    ) -> (CompressionPolicy?, [Diagnostic]) {
        var config = override?.applied(to: base) ?? base
        guard config.gzip else { return (nil, []) }
        let location = override?.location ?? base.location
        var diagnostics: [Diagnostic] = []
        if !(1...9).contains(config.level) {
            diagnostics.append(.warning("invalid-compression-level", "compression level \(config.level) is not in 1...9; \(CompressionConfig.defaultLevel) is used", at: location))
            config.level = CompressionConfig.defaultLevel
        }
        if config.minLength < 0 {
            diagnostics.append(.warning("invalid-compression-min-length", "compression min_length \(config.minLength) is negative; \(CompressionConfig.defaultMinLength) is used", at: location))
            config.minLength = CompressionConfig.defaultMinLength
        }
        var ranges: [MediaRange] = []
        for text in config.types {
            guard let range = MediaRange.parse(text) else {
                diagnostics.append(.warning("invalid-media-range", "compression type '\(text)' is not a media range (type/subtype, type/*, type/*+suffix); it is ignored", at: location))
                continue
            }
            if !ranges.contains(range) { ranges.append(range) }
        }
        config.types = ranges.map(\.description)
        config.location = .unknown
        if let shared = cache[config] { return (shared, diagnostics) }
        let policy = CompressionPolicy(level: config.level, minLength: config.minLength, types: MediaTypeList(ranges))
        cache[config] = policy
        return (policy, diagnostics)
    }
}
