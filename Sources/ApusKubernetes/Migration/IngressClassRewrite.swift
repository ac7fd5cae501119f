/// Rewrites manifest text so that chosen Ingresses name another class, keeping everything
/// else as written (comments, order, other objects): `apus migrate --write`.
public enum IngressClassRewrite {
    /// `text` with `spec.ingressClassName` of every Ingress `moves` accepts set to
    /// `newClass` (added under `spec:` when absent) and the legacy class annotation
    /// dropped. JSON and documents this cannot place are left as they are.
    public static func rewrite(_ text: String, to newClass: String, moves: (_ namespace: String, _ name: String) -> Bool) -> String {
        guard let documents = try? ObjectTree.parseYAMLDocuments(text) else { return text }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Documents from last to first, so that an inserted line does not move the next.
        let starts = documents.map(\.line)
        for (index, document) in documents.enumerated().reversed() {
            guard document.tree["kind"]?.text == "Ingress", let name = document.tree["metadata"]?["name"]?.text else { continue }
            let namespace = document.tree["metadata"]?["namespace"]?.text ?? "default"
            guard moves(namespace, name) else { continue }
            let start = max(0, document.line - 1)
            let end = min(lines.count, index + 1 < starts.count ? starts[index + 1] - 1 : lines.count)
            guard start < end else { continue }
            var range = start..<end
            if let legacy = lines[range].firstIndex(where: { $0.trimmingSpaces.hasPrefix(Ingress.legacyClassAnnotation + ":") }) {
                lines.remove(at: legacy)
                range = start..<(end - 1)
            }
            if let classLine = lines[range].firstIndex(where: { $0.trimmingSpaces.hasPrefix("ingressClassName:") }) {
                let indent = lines[classLine].prefix { $0 == " " }
                lines[classLine] = "\(indent)ingressClassName: \(newClass)"
            } else if let spec = lines[range].firstIndex(where: { $0.hasPrefix("spec:") && $0.trimmingSpaces == "spec:" }) {
                lines.insert("  ingressClassName: \(newClass)", at: spec + 1)
            }
        }
        return lines.joined(separator: "\n")
    }
}
