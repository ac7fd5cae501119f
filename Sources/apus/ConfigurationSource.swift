import ApusConfigFile
import ApusCore
import ApusProxy
import Glibc

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

    /// Parses and compiles. A file with any error diagnostic is rejected whole (like nginx
    /// refusing a broken nginx.conf): serving half of what the author wrote is worse than
    /// serving the last good version.
    func load() -> Result<LoadedConfiguration, LoadFailure> {
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
        let (table, compileDiagnostics) = RouteTableCompiler.compile(configuration)
        diagnostics += compileDiagnostics
        // Certificates load with the table: a broken one rejects this version of the
        // configuration and the previous one (with its certificates) keeps serving.
        let (tls, tlsDiagnostics) = TLSCatalog.build(for: table)
        diagnostics += tlsDiagnostics
        if diagnostics.contains(where: { $0.severity == .error }) {
            return .failure(LoadFailure(diagnostics: diagnostics))
        }
        return .success(LoadedConfiguration(table: table, tls: tls, diagnostics: diagnostics))
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

/// A configuration that compiled, with what it needs besides the table.
struct LoadedConfiguration {
    var table: RouteTable
    var tls: TLSCatalog
    var diagnostics: [Diagnostic]
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
    private var signatures: [String: [Int]] = [:]

    init(paths: [String]) {
        self.primary = paths
        watch([])
    }

    /// Watches the first paths given at init plus `extra` (replacing earlier extras).
    mutating func watch(_ extra: [String]) {
        var next: [String: [Int]] = [:]
        for path in primary + extra { next[path] = signatures[path] ?? FileChangeWatcher.signature(of: path) }
        signatures = next
    }

    /// The first watched file that changed since the last call, if any.
    mutating func changedFile() -> String? {
        var changed: String?
        for (path, signature) in signatures {
            let now = FileChangeWatcher.signature(of: path)
            if now != signature {
                signatures[path] = now
                changed = changed ?? path
            }
        }
        return changed
    }

    private static func signature(of path: String) -> [Int] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        return [Int(info.st_ino), Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
    }
}
