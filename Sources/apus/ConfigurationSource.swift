import ApusConfigFile
import ApusCore

/// Where `serve` gets its configuration: a YAML file (watched) or the command line.
enum ConfigurationSource: CustomStringConvertible {
    case file(String)
    case fixed(Configuration)

    var description: String {
        switch self {
        case .file(let path): return path
        case .fixed: return "command line"
        }
    }

    /// Parses, reads the header value files the configuration names (through `store`,
    /// which keeps their last good values), and compiles. A file with any error diagnostic
    /// is rejected whole (like nginx refusing a broken nginx.conf): serving half of what
    /// the author wrote is worse than serving the last good version.
    func load(files store: inout HeaderValueFileStore) -> Result<LoadedConfiguration, LoadFailure> {
        let configuration: Configuration
        var diagnostics: [Diagnostic] = []
        switch self {
        case .file(let path):
            let (parsed, parseDiagnostics) = ConfigFileParser.load(path: path)
            diagnostics = parseDiagnostics
            guard let parsed, !diagnostics.contains(where: { $0.severity == .error }) else {
                return .failure(LoadFailure(diagnostics: diagnostics))
            }
            configuration = parsed
        case .fixed(let fixed):
            configuration = fixed
        }
        let (files, problems) = store.read(configuration.headerValueFilePaths)
        ServeCommand.report(problems)
        let (table, compileDiagnostics) = RouteTableCompiler.compile(configuration, files: files)
        diagnostics += compileDiagnostics
        if diagnostics.contains(where: { $0.severity == .error }) {
            return .failure(LoadFailure(diagnostics: diagnostics))
        }
        return .success(LoadedConfiguration(configuration: configuration, files: files, table: table, diagnostics: diagnostics))
    }

    func watcher() -> FileChangeWatcher? {
        if case .file(let path) = self { return FileChangeWatcher(path: path) }
        return nil
    }
}

/// A configuration that compiled, with the header file values it was compiled with (kept
/// so that a changed file can be compiled in without reading the configuration again).
struct LoadedConfiguration {
    var configuration: Configuration
    var files: HeaderValueFiles
    var table: RouteTable
    var diagnostics: [Diagnostic]
}

struct LoadFailure: Error {
    var diagnostics: [Diagnostic]
}

/// Notices when a file was replaced or rewritten, by polling `stat` once a second.
///
/// Polling rather than inotify because editors and Kubernetes ConfigMaps replace files by
/// rename or symlink swap, which a watch on the old inode misses.
struct FileChangeWatcher {
    let path: String
    private var signature: FileSignature

    init(path: String) {
        self.path = path
        self.signature = FileSignature.of(path)
    }

    mutating func changed() -> Bool {
        let now = FileSignature.of(path)
        guard now != signature else { return false }
        signature = now
        return true
    }
}
