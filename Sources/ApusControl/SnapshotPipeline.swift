import ApusCore
import ApusNet

/// The one way from a `Configuration` to a `Snapshot`: resolve upstream names, compile,
/// load certificates. `serve` (start, reload, a moved name, a changed header value file),
/// the controller, and both forms of `validate` all build through it, so what validate
/// accepts is exactly what would be served.
public struct SnapshotPipeline {
    /// The addresses of an endpoint name; the system resolver unless a test supplies answers.
    public typealias Lookup = @Sendable (String) -> Result<[String], EndpointLookupFailure>

    /// A built snapshot with the configuration it was compiled from (names replaced by
    /// their addresses), which callers compare to skip publishing an unchanged table.
    public struct Build {
        public var resolved: Configuration
        public var snapshot: Snapshot
    }

    /// Where the snapshot's certificates come from.
    public enum Certificates {
        /// Loaded now (through the loader, which may hold Secrets the translation loaded).
        case load(ServerCertificateLoader)
        /// The catalog already served: only routes or endpoint addresses changed.
        case keep(TLSCatalog)
    }

    private let lookup: Lookup

    public init(lookup: @escaping Lookup = EndpointNameResolution.systemLookup) {
        self.lookup = lookup
    }

    /// Resolves, compiles and loads certificates; the diagnostics of every step are in the
    /// snapshot, in that order, after `findings` (of what produced `written`: the config
    /// file's parser, the Ingress translation).
    public func build(_ written: Configuration, files: HeaderValueFiles = HeaderValueFiles(),
                      certificates: Certificates = .load(ServerCertificateLoader()), findings: [Diagnostic] = []) -> Build {
        let (resolved, nameDiagnostics) = resolveNames(written)
        let snapshot = compile(resolved, files: files, certificates: certificates, findings: findings + nameDiagnostics)
        return Build(resolved: resolved, snapshot: snapshot)
    }

    /// The first step alone: upstream endpoint names replaced by their addresses.
    public func resolveNames(_ written: Configuration) -> (Configuration, [Diagnostic]) {
        EndpointNameResolution.resolve(written, lookup: lookup)
    }

    /// The steps after name resolution, for a configuration already resolved; `findings`
    /// (of the steps before) lead the snapshot's diagnostics.
    public func compile(_ resolved: Configuration, files: HeaderValueFiles = HeaderValueFiles(),
                        certificates: Certificates = .load(ServerCertificateLoader()), findings: [Diagnostic] = []) -> Snapshot {
        let (table, compileDiagnostics) = RouteTableCompiler.compile(resolved, files: files)
        switch certificates {
        case .keep(let catalog):
            return Snapshot(table: table, tls: catalog, diagnostics: findings + compileDiagnostics)
        case .load(let loader):
            // Certificates load with the table: a broken one is an error of this build, and
            // `serve` keeps the previous snapshot (with its certificates) serving.
            let (catalog, tlsDiagnostics) = TLSCatalog.build(for: table, certificates: loader)
            return Snapshot(table: table, tls: catalog, diagnostics: findings + compileDiagnostics + tlsDiagnostics)
        }
    }
}
