extension Diagnostic {
    /// `[{"severity","code","message","location"}]`, where location is
    /// `{"file","line","column"}`, `{"kind","namespace","name"}`, `{"source":"commandLine"}`
    /// or null.
    public static func renderJSON(_ list: [Diagnostic]) -> String {
        var json = JSONWriter()
        render(list, into: &json)
        return json.text
    }

    static func render(_ list: [Diagnostic], into json: inout JSONWriter) {
        json.array { json in
            for diagnostic in list {
                json.object { json in
                    json.field("severity", diagnostic.severity.rawValue)
                    json.field("code", diagnostic.code)
                    json.field("message", diagnostic.message)
                    json.key("location")
                    render(diagnostic.location, into: &json)
                }
            }
        }
    }

    private static func render(_ location: SourceLocation, into json: inout JSONWriter) {
        switch location {
        case let .file(path, line, column):
            json.object { json in
                json.field("file", path)
                json.field("line", line)
                json.field("column", column)
            }
        case let .object(kind, namespace, name):
            json.object { json in
                json.field("kind", kind)
                json.field("namespace", namespace)
                json.field("name", name)
            }
        case .commandLine:
            json.object { $0.field("source", "commandLine") }
        case .unknown:
            json.null()
        }
    }
}
