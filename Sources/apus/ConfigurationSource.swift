import ApusConfigFile
import ApusControl
import ApusCore
import ApusProxy

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
        let written: Configuration
        var diagnostics: [Diagnostic] = []
        switch self {
        case .file(let path):
            let (parsed, parseDiagnostics) = ConfigFileParser.load(path: path)
            diagnostics = parseDiagnostics
            guard let parsed, !diagnostics.contains(where: { $0.severity == .error }) else {
                return .failure(LoadFailure(diagnostics: diagnostics))
            }
            written = parsed
        case .fixed(let fixed):
            written = fixed
        }
        // Resolving names changes endpoint addresses only, so the header value files of the
        // written configuration are those of the resolved one.
        let (files, problems) = store.read(written.headerValueFilePaths)
        ServeCommand.report(problems)
        let build = SnapshotPipeline().build(written, files: files, findings: diagnostics)
        if build.snapshot.hasErrors {
            return .failure(LoadFailure(diagnostics: build.snapshot.diagnostics))
        }
        return .success(LoadedConfiguration(written: written, configuration: build.resolved, files: files, snapshot: build.snapshot))
    }

    /// Watches the config file and the files it names (certificates), so that a renewed
    /// certificate is picked up like an edited config. Quick mode watches its certificate.
    func watcher(extraFiles: [String]) -> FileChangeWatcher? {
        switch self {
        case .file(let path): return FileChangeWatcher(paths: [path] + extraFiles)
        case .fixed: return extraFiles.isEmpty ? nil : FileChangeWatcher(paths: extraFiles)
        }
    }
}

/// A configuration that built into a snapshot, with the header value files it was
/// compiled with (kept so that a changed file can be compiled in without reading the
/// configuration again).
struct LoadedConfiguration {
    /// As written, upstream endpoint names unresolved (looked up again periodically).
    var written: Configuration
    /// As compiled: names replaced by their addresses.
    var configuration: Configuration
    var files: HeaderValueFiles
    var snapshot: Snapshot
    var table: RouteTable { snapshot.table }
}

struct LoadFailure: Error {
    var diagnostics: [Diagnostic]
}

/// Notices when one of some files was replaced or rewritten, by polling `stat` once a second.
///
/// Polling rather than inotify because editors and Kubernetes ConfigMaps and Secrets
/// replace files by rename or symlink swap, which a watch on the old inode misses.
struct FileChangeWatcher {
    private let primary: [String]
    private var signatures: [String: FileSignature] = [:]

    init(paths: [String]) {
        self.primary = paths
        watch([])
    }

    /// Watches the first paths given at init plus `extra` (replacing earlier extras).
    mutating func watch(_ extra: [String]) {
        var next: [String: FileSignature] = [:]
        for path in primary + extra { next[path] = signatures[path] ?? FileSignature.of(path) }
        signatures = next
    }

    /// The first watched file that changed since the last call, if any.
    mutating func changedFile() -> String? {
        var changed: String?
        for (path, signature) in signatures {
            let now = FileSignature.of(path)
            if now != signature {
                signatures[path] = now
                changed = changed ?? path
            }
        }
        return changed
    }
}
