import ApusConfigFile
import ApusControl
import ApusCore
import ApusKubernetes
import ApusProxy

/// `apus validate FILE...`: the same parse and compile as `serve` (for Apus configuration
/// files) or as `controller` (for Kubernetes manifests), nothing served.
enum ValidateCommand {
    static func run(_ arguments: [String]) -> Int32 {
        let options = OptionReader(arguments, valued: TranslationOptionReader.valued.union(["format", "config"]))
        guard let format = options.fileCommandFormat("validate") else { return 2 }
        var all: [Diagnostic] = []
        var manifests = ManifestValidation()
        var manifestFiles = 0
        for path in options.positional {
            if let text = ConfigFileParser.text(of: path), ManifestReader.looksLikeManifest(text) {
                manifests.add(text: text, path: path)
                manifestFiles += 1
                continue
            }
            // Best effort: structural errors and the compiler's findings in one run, the
            // way a CI job wants them. `serve` still rejects a file with any error.
            var (configuration, diagnostics) = ConfigFileParser.loadBestEffort(path: path)
            if let written = configuration {
                // Built as serve builds it: names looked up (one that does not resolve here
                // is a warning, serve retries it), header value files read, certificates
                // and keys loaded.
                var store = HeaderValueFileStore()
                let (files, _) = store.read(written.headerValueFilePaths)
                diagnostics = SnapshotPipeline().build(written, files: files, findings: diagnostics).snapshot.diagnostics
            }
            all += ConfigFileParser.inFileOrder(diagnostics)
        }
        var served: [String] = []
        if manifestFiles > 0 {
            // Listeners, limits and timeouts for the manifests, as `controller --config` takes them.
            var base: Configuration?
            if let configPath = options.last("config") {
                let (configuration, diagnostics) = ConfigFileParser.load(path: configPath)
                all += diagnostics
                guard let configuration else {
                    for diagnostic in all { print(diagnostic.description) }
                    return 1
                }
                base = configuration
            }
            let translationOptions: IngressTranslationOptions
            switch TranslationOptionReader.read(options, defaultClass: "apus") {
            case .success(let read): translationOptions = read
            case .failure(let error):
                printError("apus validate: \(error.message)")
                return 2
            }
            let result = manifests.run(options: translationOptions, base: base)
            all += ConfigFileParser.inFileOrder(result.diagnostics)
            served = result.served
        }
        if format == "json" {
            print(Diagnostic.renderJSON(all))
        } else {
            for line in served { print(line) }
            for diagnostic in all { print(diagnostic.description) }
        }
        return all.contains { $0.severity == .error } ? 1 : 0
    }
}
