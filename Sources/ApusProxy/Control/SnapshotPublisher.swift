import ApusControl
import ApusNet
import Synchronization

/// Holds the current `Snapshot` and its generation number; the control plane swaps it,
/// workers read it.
///
/// Workers compare `generation` (one relaxed-cost atomic load per loop iteration) with the
/// one they cached and take the lock only when it changed (SWIFT-NOTES.md §6: about 1 ns
/// per check instead of 40–500 ns and a bouncing cache line for a shared reference).
/// Thread rule: any thread.
public final class SnapshotPublisher: Sendable {
    /// A snapshot as published: numbered so that workers and metrics can tell them apart.
    public struct Published: Sendable {
        public let snapshot: Snapshot
        public let generation: UInt64
    }

    private let generationCounter = Atomic<UInt64>(0)
    private let slot: Locked<Published>

    public init(_ snapshot: Snapshot) {
        slot = Locked(Published(snapshot: snapshot, generation: 1))
        generationCounter.store(1, ordering: .releasing)
    }

    public var generation: UInt64 { generationCounter.load(ordering: .acquiring) }

    /// Publishes a new snapshot; returns its generation.
    @discardableResult
    public func publish(_ snapshot: Snapshot) -> UInt64 {
        let generation = slot.withLock { current -> UInt64 in
            current = Published(snapshot: snapshot, generation: current.generation + 1)
            return current.generation
        }
        generationCounter.store(generation, ordering: .releasing)
        return generation
    }

    public func current() -> Published {
        slot.withLock { $0 }
    }
}
