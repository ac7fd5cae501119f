import Glibc

/// A value that threads share behind a pthread mutex.
///
/// Used instead of the standard library's `Mutex` because ThreadSanitizer does not see
/// `Mutex`'s synchronisation on Linux: every access inside its `withLock` is reported as a
/// race (11 such reports in one end-to-end run), and those would bury the real ones the
/// sanitizer pass (`scripts/sanitize`) is there to find. Never on the per-request path:
/// control-plane state, metrics totals, the access log's queue.
public final class Locked<Value: Sendable>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
