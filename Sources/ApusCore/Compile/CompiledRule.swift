/// A path rule that passed every check, before duplicates are removed and the indices
/// are built: the compiler's intermediate form.
struct CompiledRule {
    var host: HostPattern?
    /// Exact: the path; Prefix: normalized (no trailing slash); Regex: the pattern.
    var key: [UInt8]
    var pattern: CompiledPattern?
    var route: CompiledRoute

    /// Two rules with equal identities would shadow each other; the later is dropped.
    var identity: Identity { Identity(host: host, match: route.match, key: key) }

    struct Identity: Hashable {
        var host: HostPattern?
        var match: PathMatchKind
        var key: [UInt8]
    }
}
