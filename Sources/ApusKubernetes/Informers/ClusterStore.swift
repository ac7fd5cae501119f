import ApusNet
import Glibc

/// The objects every informer keeps, in one `ClusterSnapshot` behind a lock, and the
/// signal that wakes the controller loop after each change.
///
/// Thread rule: any thread. Informers write; the controller takes copies (copy-on-write
/// dictionaries: taking one is cheap, the next write copies what it touches).
public final class ClusterStore: Sendable {
    private struct State {
        var snapshot = ClusterSnapshot()
        var synced: Set<ResourceKind> = []
        var changes: UInt64 = 0
        /// Monotonic time of the first change not yet taken by the controller.
        var pendingSince: UInt64?
    }

    private let state = Locked(State())
    private let wakeup: Wakeup

    public init() throws(SystemError) {
        wakeup = try Wakeup()
    }

    /// Changes the snapshot and wakes the controller, once per batch: after the first
    /// change not yet taken, the controller is already due (it coalesces from
    /// `pendingSince`), so a list of thousands of objects costs one eventfd write, not one each.
    public func update(_ change: (inout ClusterSnapshot) -> Void) {
        let first = state.withLock { state in
            change(&state.snapshot)
            state.changes += 1
            guard state.pendingSince == nil else { return false }
            state.pendingSince = MonotonicClock.milliseconds()
            return true
        }
        if first { wakeup.signal() }
    }

    /// Wakes the controller without a change to the snapshot (its base configuration was
    /// reloaded).
    public func poke() {
        wakeup.signal()
    }

    /// Records that `kind` has been listed once completely.
    public func markSynced(_ kind: ResourceKind) {
        let changed = state.withLock { $0.synced.insert(kind).inserted }
        if changed { wakeup.signal() }
    }

    public var isSynced: Bool { state.withLock { $0.synced.count == ResourceKind.allCases.count } }

    public var unsyncedKinds: [ResourceKind] {
        state.withLock { state in ResourceKind.allCases.filter { !state.synced.contains($0) } }
    }

    /// The current objects, the change count, and when the oldest untaken change happened
    /// (cleared: the caller is about to act on everything up to now).
    public func take() -> (snapshot: ClusterSnapshot, changes: UInt64, pendingSince: UInt64?) {
        state.withLock { state in
            let since = state.pendingSince
            state.pendingSince = nil
            return (state.snapshot, state.changes, since)
        }
    }

    /// When the oldest untaken change happened, if any.
    public var pendingSince: UInt64? { state.withLock { $0.pendingSince } }

    /// Waits up to `milliseconds` for a change or a sync; true when woken.
    public func wait(milliseconds: Int) -> Bool {
        var entry = pollfd(fd: wakeup.fd, events: Int16(POLLIN), revents: 0)
        let rc = poll(&entry, 1, Int32(max(0, milliseconds)))
        if rc > 0 {
            wakeup.drain()
            return true
        }
        return false
    }
}
