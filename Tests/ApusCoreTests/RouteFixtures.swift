import ApusCore

/// Builders for compiler feature tables: short Configuration literals and a string-based
/// front end to `RouteTable.match`.
enum Fixture {
    static func at(_ line: Int, _ column: Int = 1) -> SourceLocation {
        .file(path: "apus.yaml", line: line, column: column)
    }

    /// A rule that answers 200 with `name` as its body, so a table can say which rule won.
    /// A Prefix rule named `name`.
    static func rule(_ path: String, _ name: String, line: Int = 0) -> PathRuleConfig {
        rule(path, .prefix, name, line: line)
    }

    static func rule(_ path: String, _ kind: PathMatchKind, _ name: String, flavor: RegexFlavor = .fullMatch, line: Int = 0) -> PathRuleConfig {
        PathRuleConfig(path: path, match: kind, regexFlavor: flavor, action: .fixedResponse(FixedResponseConfig(status: 200, body: name)), location: at(line))
    }

    static func compile(_ routes: [RouteConfig]) -> (RouteTable, [Diagnostic]) {
        RouteTableCompiler.compile(Configuration(routes: routes))
    }
}

extension RouteTable {
    /// The winning rule's name (its fixed body), or nil for -1.
    func winner(host: String, path: String, scratch: MatchScratch = MatchScratch()) -> String? {
        let index = matchIndex(host: host, path: path, scratch: scratch)
        guard index >= 0 else { return nil }
        if case .fixedResponse(_, let body, _) = routes[index].action { return String(decoding: body, as: UTF8.self) }
        return routes[index].label
    }

    func matchIndex(host: String, path: String, scratch: MatchScratch) -> Int {
        var host = host
        var path = path
        return host.withUTF8 { hostBytes in
            path.withUTF8 { pathBytes in
                match(host: UnsafeRawBufferPointer(hostBytes), path: UnsafeRawBufferPointer(pathBytes), scratch: scratch)
            }
        }
    }
}
