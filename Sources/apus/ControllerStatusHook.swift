import ApusKubernetes
import ApusNet
import Glibc
import Synchronization

/// The seam between the controller loop and Ingress status (issue 4 point 6): the loop
/// calls `published` after every table swap with the Ingresses that are ours and the
/// snapshot they came from, and `stop` on SIGTERM.
///
/// With `--publish-service` or `--publish-address`, a `LeaderElector` competes for the
/// Lease, and a status thread writes status while (and only while) this replica leads:
/// after each publish, when leadership starts, and every `resyncMilliseconds` (a load
/// balancer address often arrives after the Ingress). Without them nothing is elected or
/// written (and no Lease permission is used).
/// Thread rule: `published` from the loop's thread, `stop` from the main thread.
final class ControllerStatusHook: Sendable {
    let options: StatusOptions
    private let elector: LeaderElector?
    private let latest = Locked<(ours: Set<ObjectKey>, ingresses: [Ingress], generation: UInt64)>(([], [], 0))
    private let stopped = Atomic<Bool>(false)
    static let resyncMilliseconds: UInt64 = 10_000

    /// - Parameter onLeadership: told when this replica starts or stops leading (for `/metrics`).
    init(options: StatusOptions, client: KubernetesClient, environment: [String: String] = ControllerStatusHook.environment(),
         onLeadership: @escaping @Sendable (String, Bool) -> Void = { _, _ in }) {
        self.options = options
        guard options.publishes else {
            elector = nil
            return
        }
        let namespace = options.electionNamespace ?? environment["POD_NAMESPACE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let identity = LeaderElector.defaultIdentity(environment: environment)
        let lease = "\(namespace)/\(options.electionID)"
        onLeadership(lease, false)
        let elector = LeaderElector(client: client, namespace: namespace, name: options.electionID, identity: identity,
                                    onChange: { onLeadership(lease, $0) })
        self.elector = elector
        elector.start()
        spawnDetachedThread { [self] in runStatus(client: client, elector: elector) }
    }

    /// After each publish: `ours` are the Ingresses this controller serves (oldest first).
    func published(ours: [ObjectReference], snapshot: ClusterSnapshot) {
        let keys = Set(ours.map { ObjectKey(namespace: $0.namespace, name: $0.name) })
        let ingresses = Array(snapshot.ingresses.values)
        latest.withLock { $0 = (keys, ingresses, $0.generation + 1) }
    }

    /// On SIGTERM, before the drain: stop writing and hand the Lease over.
    func stop() {
        stopped.store(true, ordering: .releasing)
        elector?.stop()
    }

    private func runStatus(client: KubernetesClient, elector: LeaderElector) {
        let writer = IngressStatusWriter(client: client, options: options)
        var syncedGeneration: UInt64 = 0
        var syncedAt: UInt64 = 0
        var wasLeader = false
        while !stopped.load(ordering: .acquiring) {
            usleep(200_000)
            let leading = elector.isLeader
            defer { wasLeader = leading }
            guard leading else {
                if wasLeader { writer.reset() }
                continue
            }
            let (ours, ingresses, generation) = latest.withLock { $0 }
            // Nothing before the first publish: an empty snapshot would clear nothing but
            // would also tell nothing.
            guard generation > 0 else { continue }
            let now = MonotonicClock.milliseconds()
            guard !wasLeader || generation != syncedGeneration || now >= syncedAt + Self.resyncMilliseconds else { continue }
            if stopped.load(ordering: .acquiring) { break }
            writer.sync(ingresses: ingresses, ours: ours)
            syncedGeneration = generation
            syncedAt = now
        }
    }

    static func environment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") { result[String(text[..<equals])] = String(text[text.index(after: equals)...]) }
            pointer += 1
        }
        return result
    }
}
