import ApusControl
import ApusCore
import ApusKubernetes
import ApusNet
import ApusProxy
import Glibc
import Synchronization

/// Turns cluster changes into route tables, on its own thread: waits for a change, lets
/// more arrive for `coalesceMilliseconds` after the first, then translates the snapshot,
/// compiles it, loads its certificates and publishes it in one swap.
///
/// Nothing is published before every informer has listed once (a half-listed cluster
/// would route Ingresses to Services not read yet); the first publish turns /readyz ready.
/// A Configuration equal to the one served is not published again (an EndpointSlice of an
/// unrelated Service, a Secret no Ingress uses).
final class ControllerLoop: Sendable {
    private let store: ClusterStore
    private let state: ProxyState
    /// The `--config` file's listeners and settings; replaced when the file is reloaded.
    private let base: Locked<Configuration>
    /// A new base waits to be published (even if the result equals the served table, so
    /// that a reload also reads certificate files again).
    private let baseReplaced = Atomic<Bool>(false)
    private let options: IngressTranslationOptions
    private let coalesceMilliseconds: Int
    private let status: ControllerStatusHook
    private let stopped = Atomic<Bool>(false)

    init(store: ClusterStore, state: ProxyState, base: Configuration, options: IngressTranslationOptions, coalesceMilliseconds: Int, status: ControllerStatusHook) {
        self.store = store
        self.state = state
        self.base = Locked(base)
        self.options = options
        self.coalesceMilliseconds = coalesceMilliseconds
        self.status = status
    }

    func start() {
        spawnDetachedThread { [self] in run() }
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    /// Publishes the cluster's routes again on top of `configuration` (a reloaded `--config`).
    func replaceBase(_ configuration: Configuration) {
        base.withLock { $0 = configuration }
        baseReplaced.store(true, ordering: .releasing)
        store.poke()
    }

    private func run() {
        var served: Configuration?
        var reported = Set<String>()
        // ExternalName Services: their names are looked up again now and then.
        var namesDue: UInt64?
        var waitingSince = MonotonicClock.milliseconds()
        while !stopped.load(ordering: .relaxed) {
            _ = store.wait(milliseconds: 1000)
            guard store.isSynced else {
                let now = MonotonicClock.milliseconds()
                if now - waitingSince >= 10_000 {
                    Log.warning("still waiting for the first list of", ["kinds": store.unsyncedKinds.map(\.rawValue).joined(separator: ",")])
                    waitingSince = now
                }
                continue
            }
            let lookUpNames = namesDue.map { MonotonicClock.milliseconds() >= $0 } ?? false
            let rebased = baseReplaced.exchange(false, ordering: .acquiring)
            guard served == nil || store.pendingSince != nil || lookUpNames || rebased else { continue }
            if let since = store.pendingSince {
                let due = since + UInt64(coalesceMilliseconds)
                let now = MonotonicClock.milliseconds()
                if now < due { usleep(UInt32(due - now) * 1000) }
            }
            let taken = store.take()
            let started = MonotonicClock.milliseconds()
            // The translation loads each TLS Secret to judge it; the build takes them from here.
            let certificates = ServerCertificateLoader()
            let translation = IngressTranslator.translate(
                snapshot: taken.snapshot, options: options, base: base.withLock { $0 }, certificates: certificates)
            let pipeline = SnapshotPipeline()
            let (configuration, nameDiagnostics) = pipeline.resolveNames(translation.configuration)
            namesDue = EndpointNameResolution.hasNames(translation.configuration)
                ? MonotonicClock.milliseconds() + UInt64(EndpointNameResolution.refreshSeconds) * 1000 : nil
            if let served, served == configuration, !rebased {
                logNew(translation.diagnostics + nameDiagnostics, reported: &reported)
                continue
            }
            let snapshot = pipeline.compile(configuration, certificates: .load(certificates), findings: translation.diagnostics + nameDiagnostics)
            let (table, diagnostics) = (snapshot.table, snapshot.diagnostics)
            let built = MonotonicClock.milliseconds()
            let generation = state.publish(snapshot)
            let published = MonotonicClock.milliseconds()
            state.metrics.recordControllerSync(buildMilliseconds: built - started, sinceChangeMilliseconds: published - (taken.pendingSince ?? started))
            state.metrics.recordReload(success: true, generation: generation, unixSeconds: MonotonicClock.wallSeconds())
            logNew(diagnostics, reported: &reported)
            let done = MonotonicClock.milliseconds()
            let fields: KeyValuePairs<String, String> = [
                "generation": String(generation), "ingresses": String(translation.reports.count),
                "routes": String(table.routes.count), "upstreams": String(table.upstreams.count),
                "dropped": String(diagnostics.filter { $0.severity == .error }.count), "warnings": String(diagnostics.filter { $0.severity == .warning }.count),
                "build_ms": String(done - started), "since_change_ms": taken.pendingSince.map { String(done - $0) } ?? "0",
            ]
            if served == nil {
                state.setReady(true)
                Log.info("first full sync published; ready", fields)
            } else {
                Log.info("route table published", fields)
            }
            served = configuration
            status.published(ours: translation.reports.map(\.ingress), snapshot: taken.snapshot)
        }
    }

    /// Logs the findings not logged at the previous publish (each once while it lasts),
    /// so 5,000 Ingresses do not repeat the same warnings at every swap.
    private func logNew(_ diagnostics: [Diagnostic], reported: inout Set<String>) {
        var current = Set<String>()
        for diagnostic in diagnostics {
            let key = diagnostic.description
            current.insert(key)
            if !reported.contains(key) { ServeCommand.report([diagnostic]) }
        }
        reported = current
    }
}
