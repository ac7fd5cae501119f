import ApusControl
import ApusCore
import ApusKubernetes
import ApusNet
import ApusProxy

/// `apus validate` on Kubernetes manifests: every manifest file given forms one snapshot
/// (Services in one file, Ingresses in another), translated and compiled as the
/// controller would, with each finding moved to the file:line of its object's document.
struct ManifestValidation {
    var entries: [(ManifestReader.Entry, path: String)] = []
    var diagnostics: [Diagnostic] = []

    mutating func add(text: String, path: String) {
        let (read, found) = ManifestReader.read(text, path: path)
        entries += read.map { ($0, path: path) }
        diagnostics += found
    }

    /// Translates and compiles the snapshot; returns the findings (file:line) and, for
    /// text output, one line per served path.
    func run(options: IngressTranslationOptions, base: Configuration?) -> (diagnostics: [Diagnostic], served: [String]) {
        var places: [ObjectReference: SourceLocation] = [:]
        for (entry, path) in entries where places[entry.object.reference] == nil {
            places[entry.object.reference] = .file(path: path, line: entry.line, column: 1)
        }
        let snapshot = ClusterSnapshot(objects: entries.map(\.0.object))
        var configuration = base ?? Configuration(listeners: [
            ListenerConfig(name: "http", listen: "0.0.0.0:80"),
            ListenerConfig(name: "https", listen: "0.0.0.0:443", tls: ListenerTLSConfig(certificates: [])),
        ])
        let certificates = ServerCertificateLoader()
        let translation = IngressTranslator.translate(snapshot: snapshot, options: options, base: configuration, certificates: certificates)
        configuration = translation.configuration
        if base == nil {
            // The stand-in https listener exists only to carry the Secrets' certificates.
            configuration.listeners.removeAll { $0.tls?.certificates.isEmpty == true }
        }
        let built = SnapshotPipeline().build(configuration, certificates: .load(certificates), findings: diagnostics + translation.diagnostics)
        let all = built.snapshot.diagnostics.map { Self.placed($0, places) }
        var served: [String] = []
        for report in translation.reports {
            let place = places[report.ingress].map { "\($0)" } ?? report.ingress.description
            if report.served.isEmpty {
                served.append("\(place): info: \(report.ingress): serves nothing")
            }
            for line in report.served { served.append("\(place): info: \(report.ingress): serves \(line)") }
        }
        return (all, served)
    }

    /// `Ingress demo/web: message` at the document's file:line.
    private static func placed(_ diagnostic: Diagnostic, _ places: [ObjectReference: SourceLocation]) -> Diagnostic {
        guard case let .object(kind, namespace, name) = diagnostic.location else { return diagnostic }
        let reference = ObjectReference(kind: kind, namespace: namespace, name: name)
        guard let place = places[reference] else { return diagnostic }
        var moved = diagnostic
        moved.location = place
        moved.message = "\(reference): \(diagnostic.message)"
        return moved
    }
}
