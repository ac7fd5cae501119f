/// Header changes for one direction of a route: `request_headers:` (what the upstream
/// receives) or `response_headers:` (what the client receives).
///
/// Applied to the received fields in one pass: fields named by `set` or `remove` are left
/// out, then every `set` and `add` field is written, in the order given.
public struct HeaderRulesConfig: Equatable, Sendable {
    /// `set`: replaces every received field of the name with this one.
    public var replacing: [HeaderValueRule]
    /// `add`: appends one more field, keeping the received ones.
    public var adding: [HeaderValueRule]
    /// `remove`: leaves out every received field of the name.
    public var removing: [HeaderNameRule]

    public init(set: [HeaderValueRule] = [], add: [HeaderValueRule] = [], remove: [HeaderNameRule] = []) {
        replacing = set
        adding = add
        removing = remove
    }

    public var isEmpty: Bool { replacing.isEmpty && adding.isEmpty && removing.isEmpty }

    /// Every name the rules mention, lowercased.
    var lowercasedNames: Set<String> {
        Set(replacing.map { $0.name.lowercased() } + adding.map { $0.name.lowercased() } + removing.map { $0.name.lowercased() })
    }

    /// These rules over `inherited` ones: an inherited rule survives only when no rule
    /// here names the same header (in any of set, add or remove).
    public func overriding(_ inherited: HeaderRulesConfig?) -> HeaderRulesConfig {
        guard let inherited else { return self }
        let named = lowercasedNames
        return HeaderRulesConfig(
            set: inherited.replacing.filter { !named.contains($0.name.lowercased()) } + replacing,
            add: inherited.adding.filter { !named.contains($0.name.lowercased()) } + adding,
            remove: inherited.removing.filter { !named.contains($0.name.lowercased()) } + removing)
    }
}

/// One `set` or `add` entry: a header name and where its value comes from.
public struct HeaderValueRule: Equatable, Sendable {
    public var name: String
    public var value: HeaderValueSource
    /// Where the entry (its name) was written.
    public var location: SourceLocation
    /// Where `value` or `value_from_file` was written.
    public var valueLocation: SourceLocation

    public init(name: String, value: HeaderValueSource, location: SourceLocation = .unknown,
                valueLocation: SourceLocation? = nil) {
        self.name = name
        self.value = value
        self.location = location
        self.valueLocation = valueLocation ?? location
    }
}

/// Where a header value comes from.
public enum HeaderValueSource: Equatable, Sendable {
    /// Written in the configuration.
    case literal(String)
    /// The content of a file (surrounding whitespace trimmed) after `prefix`: read when the
    /// configuration loads and again whenever the file changes, so a rotated token keeps
    /// working without a reload. The content is a secret: it never appears in logs,
    /// diagnostics or `/routes`.
    case file(path: String, prefix: String)
}

/// One `remove` entry.
public struct HeaderNameRule: Equatable, Sendable {
    public var name: String
    public var location: SourceLocation

    public init(name: String, location: SourceLocation = .unknown) {
        self.name = name
        self.location = location
    }
}

extension Configuration {
    /// Every file a `value_from_file` names, for the caller to read (and watch) before
    /// compiling.
    public var headerValueFilePaths: Set<String> {
        var paths = Set<String>()
        func collect(_ settings: RouteSettings) {
            for rules in [settings.requestHeaders, settings.responseHeaders] {
                for rule in (rules?.replacing ?? []) + (rules?.adding ?? []) {
                    if case .file(let path, _) = rule.value { paths.insert(path) }
                }
            }
        }
        for route in routes {
            collect(route.settings)
            for rule in route.paths { collect(rule.settings) }
        }
        return paths
    }
}
