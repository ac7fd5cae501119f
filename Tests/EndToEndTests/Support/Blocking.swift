import Foundation

/// Runs blocking work (socket reads, file hashing) on its own thread so the few cooperative-pool
/// threads (2 on this machine) stay free for the many tests running at once.
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
        let thread = Thread {
            continuation.resume(with: Result { try work() })
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// Polls `condition` every `interval` until it is true or `timeout` passes; returns whether it became true.
func eventually(timeout: Duration, interval: Duration = .milliseconds(50),
                _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    repeat {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    } while ContinuousClock.now < deadline
    return try await condition()
}
