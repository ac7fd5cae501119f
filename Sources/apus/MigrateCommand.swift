import ApusConfigFile
import ApusCore
import ApusKubernetes
import Glibc

/// `apus migrate FILE...` (or `--kubeconfig FILE` to read a cluster): manifests written for
/// ingress-nginx, read as the controller would serve them under Apus: per Ingress each
/// annotation, what differs and a verdict; the ingress-nginx ConfigMap's global keys and
/// what they become. `--write DIR` writes the
/// Ingresses that can move with class `apus`, and the controller's `--config`.
enum MigrateCommand {
    static func run(_ arguments: [String]) -> Int32 {
        let options = OptionReader(arguments, valued: TranslationOptionReader.valued.union(["format", "to-class", "configmap", "write", "kubeconfig"]))
        let fromCluster = options.last("kubeconfig") != nil
        guard let format = options.fileCommandFormat("migrate", needsFiles: !fromCluster) else { return 2 }
        var manifests = ManifestValidation()
        var texts: [(path: String, text: String)] = []
        if fromCluster {
            guard options.positional.isEmpty else {
                printError("apus migrate: read either files or the cluster, not both")
                return 2
            }
            guard let fetched = fetchCluster(options) else { return 1 }
            texts = fetched.written
            for (path, text) in fetched.written + fetched.readOnly { manifests.add(text: text, path: path) }
        } else {
            for path in options.positional {
                guard let text = ConfigFileParser.text(of: path) else {
                    printError("apus migrate: cannot read \(path)")
                    return 1
                }
                manifests.add(text: text, path: path)
                texts.append((path, text))
            }
        }
        if let unreadable = manifests.diagnostics.first(where: { $0.severity == .error }) {
            printError("apus migrate: \(unreadable)")
            return 1
        }
        let translationOptions: IngressTranslationOptions
        switch TranslationOptionReader.read(options, defaultClass: "nginx") {
        case .success(let read): translationOptions = read
        case .failure(let error):
            printError("apus migrate: \(error.message)")
            return 2
        }
        let result = manifests.run(options: translationOptions, base: nil)
        var report = MigrationReport()
        for (entry, path) in manifests.entries {
            guard case .ingress(let ingress) = entry.object else { continue }
            let place = SourceLocation.file(path: path, line: entry.line, column: 1)
            report.entries.append(MigrationReport.entry(ingress, place: "\(path):\(entry.line)", findings: result.diagnostics.filter { $0.location == place }))
        }
        if let (name, data) = configMap(in: texts, named: options.last("configmap")) {
            report.configMap = (name, NginxConfigMapMapping(data: data))
        }
        if let directory = options.last("write") {
            guard write(report, texts: texts, to: directory, newClass: options.last("to-class") ?? "apus") else { return 1 }
        }
        print(format == "json" ? report.json() : report.text())
        return report.entries.contains { $0.verdict == .blocked } ? 1 : 0
    }

    /// The cluster's Ingresses, IngressClasses, the ConfigMap (`--configmap`, else
    /// ingress-nginx's install's) and the Secrets annotations name, through `--kubeconfig FILE`.
    private static func fetchCluster(_ options: OptionReader) -> ClusterManifests? {
        var configMap = ObjectKey(namespace: "ingress-nginx", name: "ingress-nginx-controller")
        if let named = options.last("configmap") {
            guard let key = TranslationOptionReader.objectKey(named) else {
                printError("apus migrate: with a cluster, --configmap wants NAMESPACE/NAME, got '\(named)'")
                return nil
            }
            configMap = key
        }
        do throws(KubernetesError) {
            let client = try KubernetesClient(config: try KubeconfigLoader.load(kubeconfig: options.last("kubeconfig")))
            return try ClusterManifests.fetch(client, namespace: options.last("watch-namespace"), configMap: configMap)
        } catch {
            printError("apus migrate: \(error)")
            return nil
        }
    }

    /// The ConfigMap named `wanted` (`NAME` or `NAMESPACE/NAME`), else the one ingress-nginx's
    /// install names `ingress-nginx-controller`.
    private static func configMap(in texts: [(path: String, text: String)], named wanted: String?) -> (String, [String: String])? {
        for (_, text) in texts {
            guard let documents = try? ObjectTree.parseYAMLDocuments(text) else { continue }
            for document in documents where document.tree["kind"]?.text == "ConfigMap" {
                let name = document.tree["metadata"]?["name"]?.text ?? ""
                let namespace = document.tree["metadata"]?["namespace"]?.text ?? "default"
                let matches = wanted.map { $0 == name || $0 == "\(namespace)/\(name)" } ?? (name == "ingress-nginx-controller")
                guard matches, case .map(let fields)? = document.tree["data"] else { continue }
                return ("\(namespace)/\(name)", fields.compactMapValues(\.text))
            }
        }
        return nil
    }

    /// Each file with its movable Ingresses in the new class; the controller's `--config` as
    /// `apus.yaml` and inside `apus-config.yaml` (the ConfigMap of conf/kubernetes/30-configmap.yaml).
    private static func write(_ report: MigrationReport, texts: [(path: String, text: String)], to directory: String, newClass: String) -> Bool {
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            printError("apus migrate: cannot create \(directory): \(String(cString: strerror(errno)))")
            return false
        }
        let moving = Set(report.entries.filter { $0.verdict != .blocked }.map { "\($0.ingress.namespace)/\($0.ingress.name)" })
        var outputs: [(String, String)] = []
        for (path, text) in texts {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            outputs.append(("\(directory)/\(name)", IngressClassRewrite.rewrite(text, to: newClass) { moving.contains("\($0)/\($1)") }))
        }
        if let (name, mapping) = report.configMap {
            let indented = mapping.configYAML.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "    " + $0 }
            let manifest = """
            # Written by `apus migrate` from ConfigMap \(name) of ingress-nginx.
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: apus-config
              namespace: apus-system
            data:
              apus.yaml: |

            """ + indented.joined(separator: "\n") + "\n"
            outputs.append(("\(directory)/apus-config.yaml", manifest))
            outputs.append(("\(directory)/apus.yaml", mapping.configYAML))
        }
        for (path, text) in outputs {
            guard let file = fopen(path, "w") else {
                printError("apus migrate: cannot write \(path): \(String(cString: strerror(errno)))")
                return false
            }
            fputs(text, file)
            fclose(file)
        }
        return true
    }
}
