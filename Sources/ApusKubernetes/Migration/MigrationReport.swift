import ApusCore

/// What `apus migrate` says about manifests written for ingress-nginx: per Ingress, each
/// annotation and what Apus does with it, what would be served differently, and a verdict;
/// for the ConfigMap, what each global key becomes.
public struct MigrationReport: Sendable {
    public enum Verdict: String, Sendable {
        case equivalent = "equivalent"
        case withNotes = "equivalent with notes"
        case blocked = "cannot migrate yet"
    }

    public struct Annotation: Sendable, Equatable {
        public var name: String
        public var value: String
        /// A level of `NginxAnnotationSupport` (`same`, `refused`, ...), or `apus.dev` for ours.
        public var support: String
        public var note: String
    }

    public struct Entry: Sendable {
        public var ingress: ObjectReference
        /// `file:line` of its document.
        public var place: String
        public var annotations: [Annotation]
        public var verdict: Verdict
        /// Warnings: served, but not exactly as ingress-nginx serves it.
        public var notes: [String]
        /// Errors: why Apus would refuse it today.
        public var blockers: [String]
    }

    public var entries: [Entry] = []
    /// `NAMESPACE/NAME` and the mapping of ingress-nginx's ConfigMap, when one was given.
    public var configMap: (name: String, mapping: NginxConfigMapMapping)?

    public init() {}

    /// The `apus controller` flags that serve as ingress-nginx did: the ConfigMap's, else
    /// those of ingress-nginx's defaults (which add HSTS, for one).
    public var controllerFlags: [String] {
        (configMap?.mapping ?? NginxConfigMapMapping(data: [:])).controllerFlags
    }

    /// Findings that describe the cluster the manifests were read from (a Service not in
    /// the files, a name that does not resolve here), not how the Ingress would be served.
    public static let environmentCodes: Set<String> = [
        "ingress-class-not-ours", "ingress-class-missing", "ingress-class-other-controller", "service-missing", "upstream-no-endpoints", "endpoint-name-unresolved",
        "default-backend-unavailable",
    ]

    /// Warnings that stop an Ingress from moving on its own: a canary moved without the
    /// Ingress whose path it shares would take no traffic under Apus while ingress-nginx
    /// lost its split.
    public static let blockingCodes: Set<String> = ["canary-without-main"]

    /// One Ingress's entry from its annotations and the translation's findings about it.
    public static func entry(_ ingress: Ingress, place: String, findings: [Diagnostic]) -> Entry {
        var annotations: [Annotation] = []
        for (key, value) in ingress.metadata.annotations.sorted(by: { $0.key < $1.key }) {
            switch IngressAnnotations.feature(of: key) {
            case (.nginx, let name)?:
                if let support = NginxAnnotationSupport.byName[name] {
                    annotations.append(Annotation(name: key, value: value, support: support.level.rawValue, note: support.note))
                } else {
                    annotations.append(Annotation(name: key, value: value, support: "unknown", note: "not an annotation of ingress-nginx's documented list"))
                }
            case (.apus, _)?:
                annotations.append(Annotation(name: key, value: value, support: "apus.dev", note: "Apus's own"))
            case nil:
                break
            }
        }
        let relevant = findings.filter { !environmentCodes.contains($0.code) }
        // The entry names the Ingress already.
        let prefix = "\(ingress.reference): "
        func message(_ diagnostic: Diagnostic) -> String {
            diagnostic.message.hasPrefix(prefix) ? String(diagnostic.message.dropFirst(prefix.count)) : diagnostic.message
        }
        let blocking = { (finding: Diagnostic) in finding.severity == .error || blockingCodes.contains(finding.code) }
        let blockers = relevant.filter(blocking).map(message)
        let notes = relevant.filter { !blocking($0) }.map(message)
        let verdict: Verdict = !blockers.isEmpty ? .blocked : notes.isEmpty ? .equivalent : .withNotes
        return Entry(ingress: ingress.reference, place: place, annotations: annotations, verdict: verdict, notes: notes, blockers: blockers)
    }

    public var counts: [Verdict: Int] {
        var counts: [Verdict: Int] = [:]
        for entry in entries { counts[entry.verdict, default: 0] += 1 }
        return counts
    }

    public func text() -> String {
        var lines: [String] = []
        for entry in entries {
            lines.append("\(entry.place): Ingress \(entry.ingress.namespace)/\(entry.ingress.name): \(entry.verdict.rawValue)")
            for annotation in entry.annotations {
                lines.append("    \(annotation.name): \(JSONWriter.quoted(annotation.value)): \(annotation.support): \(annotation.note)")
            }
            for blocker in entry.blockers { lines.append("    cannot: \(blocker)") }
            for note in entry.notes { lines.append("    note: \(note)") }
        }
        if let (name, mapping) = configMap {
            lines.append("ConfigMap \(name):")
            for key in mapping.keys {
                let becomes = key.becomes.map { "becomes \($0)" } ?? "not mapped"
                lines.append("    \(key.name): \(JSONWriter.quoted(key.value)): \(becomes)\(key.note.isEmpty ? "" : " (\(key.note))")")
            }
        }
        if !controllerFlags.isEmpty {
            let source = configMap == nil ? "no ConfigMap was read, so ingress-nginx's defaults" : "from the ConfigMap, with ingress-nginx's defaults for keys it leaves out"
            lines.append("controller flags (\(source)): \(controllerFlags.joined(separator: " "))")
        }
        let counts = self.counts
        lines.append("\(entries.count) Ingress(es): \(counts[.equivalent] ?? 0) equivalent, \(counts[.withNotes] ?? 0) equivalent with notes, \(counts[.blocked] ?? 0) cannot migrate yet")
        return lines.joined(separator: "\n")
    }

    public func json() -> String {
        var json = JSONWriter()
        json.object { json in
            json.key("ingresses")
            json.array { json in
                for entry in entries {
                    json.object { json in
                        json.field("ingress", "\(entry.ingress.namespace)/\(entry.ingress.name)")
                        json.field("location", entry.place)
                        json.field("verdict", entry.verdict.rawValue)
                        json.key("annotations")
                        json.array { json in
                            for annotation in entry.annotations {
                                json.object { json in
                                    json.field("name", annotation.name)
                                    json.field("value", annotation.value)
                                    json.field("support", annotation.support)
                                    json.field("note", annotation.note)
                                }
                            }
                        }
                        json.key("blockers")
                        json.array { json in for blocker in entry.blockers { json.string(blocker) } }
                        json.key("notes")
                        json.array { json in for note in entry.notes { json.string(note) } }
                    }
                }
            }
            if let (name, mapping) = configMap {
                json.key("configMap")
                json.object { json in
                    json.field("name", name)
                    json.key("keys")
                    json.array { json in
                        for key in mapping.keys {
                            json.object { json in
                                json.field("key", key.name)
                                json.field("value", key.value)
                                json.field("becomes", key.becomes)
                                json.field("note", key.note)
                            }
                        }
                    }
                }
            }
            json.key("controllerFlags")
            json.array { json in for flag in controllerFlags { json.string(flag) } }
            let counts = self.counts
            json.key("summary")
            json.object { json in
                json.field("equivalent", counts[.equivalent] ?? 0)
                json.field("equivalentWithNotes", counts[.withNotes] ?? 0)
                json.field("cannotMigrate", counts[.blocked] ?? 0)
            }
        }
        return json.text
    }
}
