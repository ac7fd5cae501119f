/// Header rules in `/routes`: names, literal values unless they look like credentials,
/// files by path. A file's content never appears (the compiled bytes are not rendered).
extension HeaderRulesConfig {
    /// Literal values of these fields (and of any field whose name contains one of
    /// `sensitiveNameParts`) are shown as `<redacted>`: they are credentials, and /routes
    /// is read by people and tools that should not learn them.
    static let sensitiveNames: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie"]
    static let sensitiveNameParts = ["token", "secret", "password", "api-key", "apikey", "session"]

    static func isSensitive(_ name: String) -> Bool {
        let lower = name.lowercased()
        return sensitiveNames.contains(lower) || sensitiveNameParts.contains { lower.contains($0) }
    }

    func render(into json: inout JSONWriter) {
        json.object { json in
            json.key("set")
            Self.render(replacing, into: &json)
            json.key("add")
            Self.render(adding, into: &json)
            json.key("remove")
            json.array { json in
                for rule in removing { json.string(rule.name) }
            }
        }
    }

    private static func render(_ rules: [HeaderValueRule], into json: inout JSONWriter) {
        json.array { json in
            for rule in rules {
                json.object { json in
                    json.field("name", rule.name)
                    switch rule.value {
                    case .literal(let text):
                        json.field("value", isSensitive(rule.name) ? "<redacted>" : text)
                    case .file(let path, let prefix):
                        json.field("valueFromFile", path)
                        if !prefix.isEmpty { json.field("prefix", prefix) }
                    }
                }
            }
        }
    }
}
