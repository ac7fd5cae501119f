import ApusCore

/// Reads Kubernetes manifests (multi-document YAML, or the API's JSON including `...List`
/// answers) into objects, each with the file line its document starts on.
public enum ManifestReader {
    /// One object read from a file.
    public struct Entry: Sendable {
        public var object: KubernetesObject
        public var line: Int
    }

    /// Whether the text holds Kubernetes objects (a document with `apiVersion` and `kind`
    /// at the top) rather than an Apus configuration.
    public static func looksLikeManifest(_ text: String) -> Bool {
        guard let documents = try? ObjectTree.parseYAMLDocuments(text) else { return false }
        return documents.contains { ObjectDecoder.looksLikeObject($0.tree) }
    }

    /// Objects of the kinds the controller follows; other kinds (Deployment, Namespace, ...)
    /// are skipped silently, as the controller never sees them. A document that cannot be
    /// read is an error at its first line, naming the object and field.
    public static func read(_ text: String, path: String) -> ([Entry], [Diagnostic]) {
        let documents: [ObjectTree.Document]
        do {
            documents = try ObjectTree.parseYAMLDocuments(text)
        } catch {
            return ([], [.error("invalid-manifest", error.description, at: .file(path: path, line: 1, column: 1))])
        }
        var entries: [Entry] = []
        var diagnostics: [Diagnostic] = []
        for document in documents {
            let at = SourceLocation.file(path: path, line: document.line, column: 1)
            guard case .scalar(let kind, _)? = document.tree["kind"] else {
                diagnostics.append(.error("invalid-manifest", "the document has no kind", at: at))
                continue
            }
            do {
                if kind.hasSuffix("List") {
                    let itemKind = String(kind.dropLast(4))
                    guard ObjectDecoder.apiVersions[itemKind] != nil else { continue }
                    for object in try ObjectDecoder.decodeList(document.tree).items {
                        entries.append(Entry(object: object, line: document.line))
                    }
                } else {
                    guard ObjectDecoder.apiVersions[kind] != nil else { continue }
                    entries.append(Entry(object: try ObjectDecoder.decode(document.tree), line: document.line))
                }
            } catch {
                diagnostics.append(.error("invalid-object", error.description, at: at))
            }
        }
        return (entries, diagnostics)
    }
}
