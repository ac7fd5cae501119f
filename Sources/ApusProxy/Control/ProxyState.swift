import ApusControl
import ApusCore
import ApusNet
import Synchronization

/// What the control thread and every worker share: the table, the drain flag, wake-ups,
/// metrics and the access log.
///
/// Thread rule: any thread; everything inside is immutable or synchronized.
public final class ProxyState: Sendable {
    public let publisher: SnapshotPublisher
    public let metrics: MetricsRegistry
    public let accessLog: AccessLogWriter?
    let drainingFlag = Atomic<Bool>(false)
    let readyFlag = Atomic<Bool>(false)
    let wakeups: Locked<[Wakeup]> = Locked([])
    /// Rate and connection limits' counts, shared by the workers.
    let clientRates = ClientRateTable()

    public init(publisher: SnapshotPublisher, metrics: MetricsRegistry, accessLog: AccessLogWriter?) {
        self.publisher = publisher
        self.metrics = metrics
        self.accessLog = accessLog
        metrics.recordCertificates(publisher.current().snapshot.tls)
        metrics.clientRates.withLock { [clientRates] in $0 = clientRates }
    }

    public var isDraining: Bool { drainingFlag.load(ordering: .acquiring) }
    public var isReady: Bool { readyFlag.load(ordering: .acquiring) }

    public func setReady(_ ready: Bool) { readyFlag.store(ready, ordering: .releasing) }

    /// Asks every worker to stop accepting and finish what it has.
    public func beginDrain() {
        drainingFlag.store(true, ordering: .releasing)
        wakeAll()
    }

    /// Publishes a new snapshot and wakes every worker, so that each switches to it at once
    /// rather than at its next event; returns the snapshot's generation.
    public func publish(_ snapshot: Snapshot) -> UInt64 {
        let generation = publisher.publish(snapshot)
        metrics.recordCertificates(snapshot.tls)
        metrics.forgetSeries(notIn: snapshot.table)
        wakeAll()
        return generation
    }

    /// Wakes every worker's epoll_wait (after a publish or a drain request).
    public func wakeAll() {
        wakeups.withLock { list in for wakeup in list { wakeup.signal() } }
    }

    func register(_ wakeup: Wakeup) {
        wakeups.withLock { $0.append(wakeup) }
    }
}
