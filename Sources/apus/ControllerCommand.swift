import ApusConfigFile
import ApusControl
import ApusCore
import ApusKubernetes
import ApusNet
import ApusProxy
import Glibc

/// `apus controller`: informers keep a snapshot of the cluster; changes are coalesced into
/// one translate + compile + publish; the data plane is the same as `serve`'s.
enum ControllerCommand {
    static let valued: Set<String> = TranslationOptionReader.valued.union([
        "config", "kubeconfig", "publish-service", "publish-address", "election-namespace", "election-id", "log-level", "list-page-size",
        "coalesce-ms",
    ])

    static func run(_ arguments: [String]) -> Int32 {
        let options = OptionReader(arguments, valued: valued)
        if let error = options.error ?? options.positional.first.map({ "unexpected argument '\($0)'" }) {
            printError("apus controller: \(error)\n\n\(usage)")
            return 2
        }
        if let level = options.last("log-level") {
            guard let parsed = ServeCommand.parseLevel(level) else {
                printError("apus controller: unknown log level '\(level)'")
                return 2
            }
            Log.setLevel(parsed)
        }
        guard let settings = settings(options) else { return 2 }
        guard let base = baseConfiguration(options.last("config")) else { return 1 }

        let clientConfig: KubernetesClientConfig
        let client: KubernetesClient
        do {
            clientConfig = try KubeconfigLoader.load(kubeconfig: options.last("kubeconfig"))
            client = try KubernetesClient(config: clientConfig)
        } catch {
            Log.error("cannot set up the Kubernetes API client", ["error": error.description])
            return 1
        }

        Signals.blockForControlThread()
        // The data plane starts on the base configuration alone (no routes: 404s) and stays
        // not ready until every informer has listed once.
        let snapshot = SnapshotPipeline().compile(base)
        ServeCommand.report(snapshot.diagnostics)
        let table = snapshot.table
        guard let plane = DataPlane.start(snapshot) else { return 1 }
        let (state, workerCount) = (plane.state, plane.workerCount)
        plane.drainOnUntakenTermination(timeoutMilliseconds: table.timeouts.drain)
        let store: ClusterStore
        do {
            store = try ClusterStore()
        } catch {
            Log.error("cannot create the change signal", ["error": error.description])
            return 1
        }
        Log.info("controller started", [
            "api": clientConfig.url, "via": clientConfig.origin, "ingress_class": settings.translation.ingressClass,
            "controller_name": settings.translation.controllerName, "namespace": settings.translation.watchNamespace ?? "all",
            "workers": String(workerCount), "listeners": table.listeners.map { "\($0.name)=\($0.address)" }.joined(separator: ","),
            "admin": table.admin?.description ?? "off",
        ])
        let informers = ResourceKind.allCases.map {
            Informer(kind: $0, client: client, store: store, namespace: settings.translation.watchNamespace, settings: settings.informers)
        }
        for informer in informers { informer.start() }
        let status = ControllerStatusHook(options: settings.status, client: client, onLeadership: { [state] lease, leading in
            state.metrics.recordLeadership(lease: lease, leading: leading)
        })
        let loop = ControllerLoop(
            store: store, state: state, base: base, options: settings.translation, coalesceMilliseconds: settings.coalesceMilliseconds,
            status: status)
        loop.start()

        // The --config file reloads as `serve`'s does: on SIGHUP and when it changes (a
        // ConfigMap update swaps the mounted file).
        let configPath = options.last("config")
        var watcher = configPath.map { FileChangeWatcher(paths: [$0]) }
        var drainTimeout = base.timeouts.drain
        while true {
            let reason: String
            switch Signals.wait(milliseconds: 1000) {
            case .terminate:
                Log.info("draining", ["timeout_ms": String(drainTimeout)])
                loop.stop()
                for informer in informers { informer.stop() }
                status.stop()
                state.setReady(false)
                plane.drain(timeoutMilliseconds: drainTimeout)
                return 0
            case .reload:
                reason = "SIGHUP"
            case nil:
                guard watcher?.changedFile() != nil else { continue }
                reason = "file changed"
            }
            guard let configPath else {
                Log.info("SIGHUP: no --config file to reload")
                continue
            }
            Log.info("reloading", ["reason": reason, "file": configPath])
            guard let reloaded = reloadBase(configPath, runningWorkers: workerCount, held: state.publisher.current().snapshot.table) else {
                state.metrics.recordReload(success: false, generation: 0, unixSeconds: MonotonicClock.wallSeconds())
                continue
            }
            drainTimeout = reloaded.timeouts.drain
            loop.replaceBase(reloaded)
        }
    }

    /// The reloaded `--config`, checked as at start (parsed, no routes or upstreams, and
    /// compiling without errors on its own); nil keeps the previous one serving.
    static func reloadBase(_ path: String, runningWorkers: Int, held: RouteTable) -> Configuration? {
        let rejection = "configuration rejected; the previous one keeps serving"
        guard let configuration = baseConfiguration(path, rejection: rejection) else { return nil }
        // Built as it will be served (certificates loaded), so a broken one is refused here.
        let snapshot = SnapshotPipeline().compile(configuration)
        let table = snapshot.table
        let errors = snapshot.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else {
            ServeCommand.report(errors)
            Log.error(rejection, ["file": path])
            return nil
        }
        let taken = ProxyServer.checkListeners(table, held: held)
        guard taken.isEmpty else {
            for problem in taken { Log.error("cannot listen", ["detail": problem]) }
            Log.error(rejection, ["file": path])
            return nil
        }
        ServeCommand.warnIfWorkerCountChanged(configuration.workers, running: runningWorkers)
        return configuration
    }

    struct Settings {
        var translation: IngressTranslationOptions
        var status: StatusOptions
        var informers: InformerSettings
        var coalesceMilliseconds: Int
    }

    static func settings(_ options: OptionReader) -> Settings? {
        let translation: IngressTranslationOptions
        switch TranslationOptionReader.read(options, defaultClass: "apus") {
        case .success(let read): translation = read
        case .failure(let error):
            printError("apus controller: \(error.message)")
            return nil
        }
        var status = StatusOptions()
        if let service = options.last("publish-service") {
            guard let key = TranslationOptionReader.objectKey(service) else {
                printError("apus controller: --publish-service wants NAMESPACE/NAME, got '\(service)'")
                return nil
            }
            status.publishService = key
        }
        status.publishAddresses = options.all("publish-address").flatMap { $0.split(separator: ",").map(String.init) }
        if status.publishService != nil && !status.publishAddresses.isEmpty {
            printError("apus controller: use either --publish-service or --publish-address")
            return nil
        }
        status.electionNamespace = options.last("election-namespace")
        if let id = options.last("election-id") { status.electionID = id }
        var informers = InformerSettings()
        if let text = options.last("list-page-size") {
            guard let size = Int(text), size > 0 else {
                printError("apus controller: --list-page-size wants a positive number")
                return nil
            }
            informers.pageSize = size
        }
        var coalesce = 50
        if let text = options.last("coalesce-ms") {
            guard let value = Int(text), value >= 0 else {
                printError("apus controller: --coalesce-ms wants a number of milliseconds")
                return nil
            }
            coalesce = value
        }
        return Settings(translation: translation, status: status, informers: informers, coalesceMilliseconds: coalesce)
    }

    /// `--config FILE` without routes and upstreams (they come from Ingresses), or the
    /// defaults: plain HTTP on :80 and the admin endpoints on :10254. Nil when the file is
    /// unusable: its diagnostics are logged, then `rejection`.
    static func baseConfiguration(_ path: String?, rejection: String = "configuration rejected; not starting") -> Configuration? {
        guard let path else {
            return Configuration(admin: AdminConfig(listen: "0.0.0.0:10254"), listeners: [ListenerConfig(name: "http", listen: "0.0.0.0:80")])
        }
        let (parsed, diagnostics) = ConfigFileParser.load(path: path)
        ServeCommand.report(diagnostics)
        guard var configuration = parsed, !diagnostics.contains(where: { $0.severity == .error }) else {
            Log.error(rejection, ["file": path])
            return nil
        }
        if let route = configuration.routes.first {
            Log.error("routes come from Ingresses in controller mode; remove `routes:` from the file", ["at": route.location.description])
            return nil
        }
        if let upstream = configuration.upstreams.first {
            Log.error("upstreams come from Services in controller mode; remove `upstreams:` from the file", ["at": upstream.location.description])
            return nil
        }
        configuration.routes = []
        return configuration
    }
}
