// Placeholder until the full renderer lands.
extension RouteTable {
    public func renderJSON(generation: UInt64, diagnostics: [Diagnostic]) -> String {
        "{\"generation\":\(generation),\"routes\":\(routes.count)}"
    }
}

extension Diagnostic {
    public static func renderJSON(_ list: [Diagnostic]) -> String {
        "[" + list.map { "{\"message\":\"\($0.message)\"}" }.joined(separator: ",") + "]"
    }
}
