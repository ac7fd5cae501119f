import ApusConfigFile
import ApusCore
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
    func load() -> Result<(RouteTable, [Diagnostic]), LoadFailure> {
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
        if diagnostics.contains(where: { $0.severity == .error }) {
            return .failure(LoadFailure(diagnostics: diagnostics))
        }
        return .success((table, diagnostics))
    }

    func watcher() -> FileChangeWatcher? {
        if case .file(let path) = self { return FileChangeWatcher(path: path) }
        return nil
    }
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
    private var signature: [Int]

    init(path: String) {
        self.path = path
        self.signature = FileChangeWatcher.signature(of: path)
    }

    mutating func changed() -> Bool {
        let now = FileChangeWatcher.signature(of: path)
        guard now != signature else { return false }
        signature = now
        return true
    }

    private static func signature(of path: String) -> [Int] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        return [Int(info.st_ino), Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
    }
}
