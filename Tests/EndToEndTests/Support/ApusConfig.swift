/// Builds the YAML most tests serve: one listener, an admin listener, then the test's own
/// `routes:`/`upstreams:`/... sections verbatim, so each test shows the config it exercises.
enum ApusConfig {
    /// `workers`, `admin` (when given), one `listeners` entry named http, then `body`.
    static func yaml(listen: Int, admin: Int? = nil, workers: String = "1", body: String) -> String {
        var text = "workers: \(workers)\n"
        if let admin { text += "admin: { listen: 127.0.0.1:\(admin) }\n" }
        text += "listeners:\n  - { name: http, listen: 127.0.0.1:\(listen) }\n"
        text += body
        if !body.hasSuffix("\n") { text += "\n" }
        return text
    }

    /// A path rule (for a `paths:` list) answering `GET /marker` with `marker`, so that a
    /// test sees when a reloaded config serves (`ApusProcess.reload(_:untilMarker:port:)`).
    static func markerPath(_ marker: String) -> String {
        "- { path: /marker, type: Exact, respond: { status: 200, body: \"\(marker)\", content_type: text/plain } }"
    }

    /// A catch-all host sending every path to upstream `name` with the given endpoints.
    static func proxyAll(listen: Int, admin: Int? = nil, upstream name: String = "app", endpoints: [String],
                         upstreamOptions: String = "", extra: String = "") -> String {
        yaml(listen: listen, admin: admin, body: """
        routes:
          - paths:
              - { path: /, type: Prefix, upstream: \(name) }
        upstreams:
          \(name): { endpoints: [\(endpoints.joined(separator: ", "))]\(upstreamOptions.isEmpty ? "" : ", " + upstreamOptions) }
        \(extra)
        """)
    }
}
