import ApusConfigFile
import ApusCore
import ApusProxy

/// `apus validate FILE...`: the same parse and compile as `serve`, nothing served.
enum ValidateCommand {
    static func run(_ arguments: [String]) -> Int32 {
        let options = OptionReader(arguments, valued: ["format"])
        if let error = options.error {
            printError("apus validate: \(error)")
            return 2
        }
        let format = options.last("format") ?? "text"
        guard format == "text" || format == "json" else {
            printError("apus validate: --format must be text or json")
            return 2
        }
        guard !options.positional.isEmpty else {
            printError("apus validate: no file given\n\n\(usage)")
            return 2
        }
        var all: [Diagnostic] = []
        for path in options.positional {
            // Best effort: structural errors and the compiler's findings in one run, the
            // way a CI job wants them. `serve` still rejects a file with any error.
            var (configuration, diagnostics) = ConfigFileParser.loadBestEffort(path: path)
            if let configuration {
                var store = HeaderValueFileStore()
                let (files, _) = store.read(configuration.headerValueFilePaths)
                let (table, compileDiagnostics) = RouteTableCompiler.compile(configuration, files: files)
                diagnostics += compileDiagnostics
                // Certificates and keys are checked the way serve loads them.
                diagnostics += TLSCatalog.build(for: table).1
            }
            all += ConfigFileParser.inFileOrder(diagnostics)
        }
        if format == "json" {
            print(Diagnostic.renderJSON(all))
        } else {
            for diagnostic in all { print(diagnostic.description) }
        }
        return all.contains { $0.severity == .error } ? 1 : 0
    }
}
