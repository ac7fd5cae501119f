import ApusConfigFile
import ApusControl
import ApusCore
import ApusNet
import ApusProxy
import Glibc

/// `apus serve`: load, compile, start workers, then reload and drain on signals.
enum ServeCommand {
    static func run(_ arguments: [String]) -> Int32 {
        let options = OptionReader(arguments, valued: ["config", "listen", "upstream", "upstream-protocol", "workers", "admin", "access-log", "log-level", "tls-cert", "tls-key"])
        if let error = options.error {
            printError("apus serve: \(error)\n\n\(usage)")
            return 2
        }
        if let level = options.last("log-level") {
            guard let parsed = parseLevel(level) else {
                printError("apus serve: unknown log level '\(level)'")
                return 2
            }
            Log.setLevel(parsed)
        }
        let source: ConfigurationSource
        if let path = options.last("config") {
            guard options.last("listen") == nil && options.all("upstream").isEmpty else {
                printError("apus serve: use either --config or --listen/--upstream")
                return 2
            }
            source = .file(path)
        } else if let listen = options.last("listen") {
            let upstreams = options.all("upstream")
            guard !upstreams.isEmpty else {
                printError("apus serve: quick mode needs --upstream ADDR")
                return 2
            }
            let certificateFile = options.last("tls-cert")
            let keyFile = options.last("tls-key")
            guard (certificateFile == nil) == (keyFile == nil) else {
                printError("apus serve: --tls-cert and --tls-key go together")
                return 2
            }
            let certificate = certificateFile.map { CertificateConfig(certificateFile: $0, keyFile: keyFile!, location: .commandLine) }
            guard let quick = QuickConfiguration.make(
                listen: listen, upstreams: upstreams, workers: options.last("workers"), admin: options.last("admin"),
                accessLog: options.last("access-log"), certificate: certificate, upstreamProtocol: options.last("upstream-protocol")) else {
                printError("apus serve: --workers must be 'auto' or a positive number; --access-log combined|json|off; --upstream-protocol http/1.1|h2")
                return 2
            }
            source = .fixed(quick)
        } else {
            printError("apus serve: needs --config FILE or --listen ADDR --upstream ADDR\n\n\(usage)")
            return 2
        }

        Signals.blockForControlThread()
        var headerFiles = HeaderValueFileStore()
        var live: LoadedConfiguration
        switch source.load(files: &headerFiles) {
        case .success(let loaded):
            live = loaded
        case .failure(let failure):
            report(failure.diagnostics)
            Log.error("configuration rejected; not starting")
            return 1
        }
        let table = live.table
        report(live.snapshot.diagnostics)
        guard let plane = DataPlane.start(live.snapshot) else { return 1 }
        let (state, workerCount) = (plane.state, plane.workerCount)
        plane.drainOnUntakenTermination(timeoutMilliseconds: table.timeouts.drain)
        state.metrics.recordReload(success: true, generation: state.publisher.generation, unixSeconds: MonotonicClock.wallSeconds())
        state.setReady(true)
        Log.info("serving", [
            "workers": String(workerCount), "listeners": table.listeners.map { "\($0.name)=\($0.address)" }.joined(separator: ","),
            "admin": table.admin?.description ?? "off", "routes": String(table.routes.count), "source": source.description,
        ])

        var watcher = source.watcher(extraFiles: TLSCatalog.files(of: table) + table.basicAuthFiles)
        var drainTimeout = table.timeouts.drain
        var namesDue = MonotonicClock.milliseconds() + UInt64(EndpointNameResolution.refreshSeconds) * 1000
        while true {
            switch Signals.wait(milliseconds: 1000) {
            case .terminate:
                Log.info("draining", ["timeout_ms": String(drainTimeout)])
                plane.drain(timeoutMilliseconds: drainTimeout)
                return 0
            case .reload:
                Log.info("reloading", ["reason": "SIGHUP"])
                if let loaded = reload(source, files: &headerFiles, state: state, runningWorkers: workerCount) {
                    live = loaded
                    drainTimeout = loaded.table.timeouts.drain
                    watcher?.watch(TLSCatalog.files(of: loaded.table) + loaded.table.basicAuthFiles)
                }
            case nil:
                if let changed = watcher?.changedFile() {
                    Log.info("reloading", ["reason": "file changed", "file": changed])
                    if let loaded = reload(source, files: &headerFiles, state: state, runningWorkers: workerCount) {
                        live = loaded
                        drainTimeout = loaded.table.timeouts.drain
                        watcher?.watch(TLSCatalog.files(of: loaded.table) + loaded.table.basicAuthFiles)
                    }
                }
                report(headerFiles.poll())
            }
            republishIfHeaderFilesChanged(&live, files: &headerFiles, state: state)
            let now = MonotonicClock.milliseconds()
            if now >= namesDue {
                namesDue = now + UInt64(EndpointNameResolution.refreshSeconds) * 1000
                republishIfNamesMoved(&live, state: state)
            }
        }
    }

    /// Looks the upstream endpoint names up again and publishes when an address changed
    /// (a DNS record moved, a name that did not resolve now does).
    static func republishIfNamesMoved(_ live: inout LoadedConfiguration, state: ProxyState) {
        guard EndpointNameResolution.hasNames(live.written) else { return }
        let pipeline = SnapshotPipeline()
        let (configuration, nameDiagnostics) = pipeline.resolveNames(live.written)
        guard configuration != live.configuration else { return }
        // Only endpoint addresses changed: the listeners and certificates stay.
        let snapshot = pipeline.compile(configuration, files: live.files, certificates: .keep(live.snapshot.tls), findings: nameDiagnostics)
        guard !snapshot.hasErrors else { return }
        report(nameDiagnostics)
        live.configuration = configuration
        live.snapshot = snapshot
        let generation = state.publish(snapshot)
        state.metrics.recordGeneration(generation)
        Log.info("upstream names resolved to other addresses; route table published", ["generation": String(generation)])
    }

    /// Compiles the live configuration again when a header value file it uses now holds
    /// another value (a rotated token), and publishes the result: workers pick it up by
    /// generation like any table, so their request path stays lock-free and unchanged.
    /// Also covers a reload that read a new value and was then rejected for another fault.
    static func republishIfHeaderFilesChanged(_ live: inout LoadedConfiguration, files store: inout HeaderValueFileStore,
                                              state: ProxyState) {
        let paths = live.configuration.headerValueFilePaths
        store.forget(allBut: paths)
        let files = store.files(for: paths)
        guard files != live.files else { return }
        let changed = paths.filter { files[$0] != live.files[$0] }.sorted()
        live.files = files
        // Same configuration, so the same listeners and certificates.
        let snapshot = SnapshotPipeline().compile(live.configuration, files: files, certificates: .keep(live.snapshot.tls))
        guard !snapshot.hasErrors else {
            // Not reachable while the store hands out only last good values; kept safe anyway.
            report(snapshot.diagnostics)
            Log.error("header value file changed but the table did not compile; the previous table keeps serving")
            return
        }
        live.snapshot = snapshot
        let generation = state.publish(snapshot)
        state.metrics.recordGeneration(generation)
        Log.info("header value file changed; route table published", ["files": changed.joined(separator: ","), "generation": String(generation)])
    }

    /// Loads and compiles again; a valid result is published, an invalid one only logged.
    static func reload(_ source: ConfigurationSource, files: inout HeaderValueFileStore, state: ProxyState,
                       runningWorkers: Int) -> LoadedConfiguration? {
        switch source.load(files: &files) {
        case .success(let loaded):
            let table = loaded.table
            report(loaded.snapshot.diagnostics)
            let taken = ProxyServer.checkListeners(table, held: state.publisher.current().snapshot.table)
            guard taken.isEmpty else {
                for problem in taken { Log.error("cannot listen", ["detail": problem]) }
                state.metrics.recordReload(success: false, generation: 0, unixSeconds: MonotonicClock.wallSeconds())
                Log.error("configuration rejected; the previous table keeps serving", ["errors": String(taken.count)])
                return nil
            }
            warnIfWorkerCountChanged(table.workers, running: runningWorkers)
            let generation = state.publish(loaded.snapshot)
            state.metrics.recordReload(success: true, generation: generation, unixSeconds: MonotonicClock.wallSeconds())
            Log.info("route table published", ["generation": String(generation), "routes": String(table.routes.count)])
            return loaded
        case .failure(let failure):
            let diagnostics = failure.diagnostics
            report(diagnostics)
            state.metrics.recordReload(success: false, generation: 0, unixSeconds: MonotonicClock.wallSeconds())
            Log.error("configuration rejected; the previous table keeps serving", ["errors": String(diagnostics.filter { $0.severity == .error }.count)])
            return nil
        }
    }

    static func report(_ diagnostics: [Diagnostic]) {
        for diagnostic in diagnostics {
            if diagnostic.severity == .error {
                Log.error(diagnostic.message, ["at": diagnostic.location.description, "code": diagnostic.code])
            } else {
                Log.warning(diagnostic.message, ["at": diagnostic.location.description, "code": diagnostic.code])
            }
        }
    }

    /// A header value file that turned unusable keeps serving its last good value.
    static func report(_ problems: [HeaderValueFileProblem]) {
        for problem in problems {
            Log.warning("header value file unusable; keeping its last good value", ["file": problem.path, "reason": problem.reason])
        }
    }

    /// Workers are started once; a reload that asks for another count says so.
    static func warnIfWorkerCountChanged(_ configured: WorkerCount, running: Int) {
        guard workers(configured) != running else { return }
        Log.warning("a new worker count takes effect at the next start", ["running": String(running), "configured": String(workers(configured))])
    }

    static func workers(_ count: WorkerCount) -> Int {
        switch count {
        case .auto: return onlineCPUCount()
        case .count(let n): return max(1, n)
        }
    }

    static func parseLevel(_ text: String) -> Log.Level? {
        switch text {
        case "debug": return .debug
        case "info": return .info
        case "warn", "warning": return .warning
        case "error": return .error
        default: return nil
        }
    }
}
