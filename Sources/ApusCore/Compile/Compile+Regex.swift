extension RouteTableCompiler {
    /// Compiles (and JIT-compiles) a Regex rule's pattern with its flavor's options.
    static func compileRegex(_ rule: PathRuleConfig) -> (CompiledPattern?, [Diagnostic]) {
        do {
            return (try CompiledPattern(rule.path, flavor: rule.regexFlavor), [])
        } catch {
            let message = "regex '\(rule.path)' does not compile: \(error.message) at offset \(error.offset); the rule is dropped"
            return (nil, [.error("invalid-regex", message, at: rule.location)])
        }
    }
}
