/// Leader election over one Lease, as decisions without I/O: the elector reads the Lease,
/// tells the machine what it saw, and performs the action the machine returns.
///
/// ```
///            Lease absent ─────────────────► create (holder = us)
///            held by us ───────────────────► update: renew
///            released, or unchanged for ───► update: take over (transitions + 1)
///            leaseDuration on OUR clock
///            held by another, fresh ───────► wait (follower)
/// ```
/// Expiry is judged by when this process last saw the record change (its own monotonic
/// clock), never by comparing the holder's renewTime with local wall time: clocks of two
/// nodes may disagree by more than a lease. A leader that cannot renew for
/// `renewDeadline` (shorter than the lease) steps down before anyone may take over, so two
/// leaders never overlap as long as the clocks run at the same rate.
/// Every write carries the resourceVersion read, so two candidates racing for an expired
/// Lease cannot both win: the API answers 409 to the later one, which reads again.
/// Thread rule: a value owned by the elector's thread. Times are monotonic milliseconds.
public struct LeaderElectionStateMachine: Sendable {
    public let identity: String
    public let leaseDurationSeconds: Int
    public let renewDeadlineMilliseconds: UInt64
    /// How often the elector reads and writes the Lease.
    public let retryPeriodMilliseconds: UInt64

    public private(set) var isLeader = false
    /// The record last read (nil: absent or not read yet) and when it last changed.
    private var observed: LeaseRecord?
    private var observedChangedAt: UInt64 = 0
    private var hasObserved = false
    /// When this process last wrote the Lease as its holder.
    private var renewedAt: UInt64 = 0

    public init(identity: String, leaseDurationSeconds: Int = 15, renewDeadlineMilliseconds: UInt64 = 10_000, retryPeriodMilliseconds: UInt64 = 2_000) {
        self.identity = identity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.renewDeadlineMilliseconds = renewDeadlineMilliseconds
        self.retryPeriodMilliseconds = retryPeriodMilliseconds
    }

    public enum Action: Equatable, Sendable {
        case create(LeaseRecord)
        case update(LeaseRecord)
        /// Another holder's Lease is valid; read again after the retry period.
        case follow(holder: String)
    }

    /// What a read found: the Lease (nil when the API answered 404).
    public mutating func observe(_ record: LeaseRecord?, now: UInt64) {
        if !hasObserved || !Self.sameHolding(record, observed) { observedChangedAt = now }
        observed = record
        hasObserved = true
        if isLeader, let record, record.holderIdentity != identity { isLeader = false }
    }

    /// The next write, or `follow`. `wallTime` is the MicroTime text written as
    /// acquire/renew time (for people reading the Lease; decisions never use it).
    public mutating func decide(now: UInt64, wallTime: String) -> Action {
        guard let current = observed else {
            return .create(LeaseRecord(holderIdentity: identity, leaseDurationSeconds: leaseDurationSeconds,
                                       acquireTime: wallTime, renewTime: wallTime, leaseTransitions: 0))
        }
        if current.holderIdentity == identity {
            var renewed = current
            renewed.leaseDurationSeconds = leaseDurationSeconds
            renewed.renewTime = wallTime
            if renewed.acquireTime == nil { renewed.acquireTime = wallTime }
            return .update(renewed)
        }
        let expired = now >= observedChangedAt + UInt64(max(current.leaseDurationSeconds, 0)) * 1000
        if !current.isHeld || expired {
            return .update(LeaseRecord(holderIdentity: identity, leaseDurationSeconds: leaseDurationSeconds,
                                       acquireTime: wallTime, renewTime: wallTime,
                                       leaseTransitions: min(current.leaseTransitions + 1, Int(Int32.max)), resourceVersion: current.resourceVersion))
        }
        return .follow(holder: current.holderIdentity ?? "")
    }

    /// The create or update succeeded; `stored` is the Lease as the API returned it.
    public mutating func written(_ stored: LeaseRecord, now: UInt64) {
        observed = stored
        observedChangedAt = now
        hasObserved = true
        renewedAt = now
        isLeader = stored.holderIdentity == identity
    }

    /// The write lost a race (409) or the Lease appeared meanwhile: forget what was read,
    /// so that the next round reads again before deciding.
    public mutating func conflicted() {
        observed = nil
        hasObserved = false
    }

    /// A read or write failed (API unreachable, 5xx). Returns true when this ends the
    /// leadership: the renew deadline passed, and others may take over soon.
    public mutating func failed(now: UInt64) -> Bool {
        guard isLeader, now >= renewedAt + renewDeadlineMilliseconds else { return false }
        isLeader = false
        return true
    }

    /// The hand-over on SIGTERM: the Lease with no holder and a 1 s duration, so that
    /// another replica takes over at its next read instead of after a whole lease. Nil
    /// when not leading. Leadership ends here, whether or not the write then succeeds.
    public mutating func release(wallTime: String) -> LeaseRecord? {
        guard isLeader, var record = observed else { return nil }
        isLeader = false
        record.holderIdentity = nil
        record.leaseDurationSeconds = 1
        record.renewTime = wallTime
        return record
    }

    /// Whether two reads show the same holding (holder, duration and renew time): a
    /// changed resourceVersion alone (someone touched labels) is no sign of life.
    private static func sameHolding(_ a: LeaseRecord?, _ b: LeaseRecord?) -> Bool {
        a?.holderIdentity == b?.holderIdentity && a?.renewTime == b?.renewTime
            && a?.leaseDurationSeconds == b?.leaseDurationSeconds && (a == nil) == (b == nil)
    }
}
