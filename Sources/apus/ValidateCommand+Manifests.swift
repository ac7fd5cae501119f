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
        let (translation, findings) = Self.check(snapshot, options: options, base: base, findings: diagnostics)
        var all = findings.map { Self.placed($0, places) }
        all += otherClasses(snapshot, claimed: Set(translation.reports.map(\.ingress)), options: options, base: base).map { Self.placed($0, places) }
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

    /// Translates and compiles `snapshot` as the controller would: the findings of both.
    private static func check(_ snapshot: ClusterSnapshot, options: IngressTranslationOptions, base: Configuration?,
                              findings: [Diagnostic]) -> (translation: IngressTranslation, diagnostics: [Diagnostic]) {
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
        let built = SnapshotPipeline().build(configuration, certificates: .load(certificates), findings: findings + translation.diagnostics)
        return (translation, built.snapshot.diagnostics)
    }

    /// Ingresses the controller would not claim (another class, none, a missing one) are
    /// checked anyway, as if they were of our class, after a note that says which class
    /// each is and how Apus would serve it: otherwise a file of ingress-nginx Ingresses
    /// would pass validation while the controller refused every one of them. They are
    /// checked together with the claimed ones, as the controller would serve them once
    /// migrated (an oauth2-proxy Ingress needs its companion for /oauth2, for instance).
    private func otherClasses(_ snapshot: ClusterSnapshot, claimed: Set<ObjectReference>, options: IngressTranslationOptions,
                              base: Configuration?) -> [Diagnostic] {
        var notes: [(Ingress, String)] = []
        var together = snapshot
        together.ingressClasses[options.ingressClass] = IngressClass(metadata: ObjectMeta(name: options.ingressClass), controller: options.controllerName)
        for ingress in snapshot.ingresses.values.sorted(by: { $0.metadata.key.description < $1.metadata.key.description })
        where !claimed.contains(ingress.reference) {
            if let namespace = options.watchNamespace, ingress.metadata.namespace != namespace { continue }
            let written = ingress.ingressClassName ?? ingress.metadata.annotations[Ingress.legacyClassAnnotation]
            let how: String
            if let written, written == options.ingressClass {
                how = "is of class \(written), whose IngressClass is missing or names another controller here, so the controller would not serve it"
            } else if written == "nginx" {
                how = "is of class nginx (ingress-nginx's): run apus controller --ingress-class nginx beside ingress-nginx, or give it ingressClassName: \(options.ingressClass)"
            } else if let written {
                how = "is of class \(written), not \(options.ingressClass): the controller serves it with --ingress-class \(written)"
            } else {
                how = "has no class (no spec.ingressClassName, no \(Ingress.legacyClassAnnotation), and no default IngressClass of \(options.controllerName)), so the controller would not serve it; give it ingressClassName: \(options.ingressClass)"
            }
            notes.append((ingress, how))
            var mine = ingress
            mine.ingressClassName = options.ingressClass
            mine.metadata.annotations[Ingress.legacyClassAnnotation] = nil
            together.ingresses[mine.metadata.key] = mine
        }
        guard !notes.isEmpty else { return [] }
        let diagnostics = Self.check(together, options: options, base: base, findings: []).diagnostics
        var findings: [Diagnostic] = []
        for (ingress, how) in notes {
            findings.append(.warning("ingress-class-not-ours", "\(how); checked below as if it were ours", at: ingress.reference.location))
            findings += diagnostics.filter { $0.location == ingress.reference.location }
        }
        return findings
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
