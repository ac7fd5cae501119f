import Glibc

/// Starts a detached-from-Swift-concurrency pthread running `body`.
public func spawnThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    final class Box: Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    let rc = pthread_create(&thread, nil, { raw in
        Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().run()
        return nil
    }, box)
    precondition(rc == 0, "pthread_create failed: \(rc)")
    return thread
}

/// Starts a pthread that nobody joins: it runs until the process exits, and a joinable
/// thread left unjoined is a leak as ThreadSanitizer counts them.
public func spawnDetachedThread(_ body: @escaping @Sendable () -> Void) {
    pthread_detach(spawnThread(body))
}

public func joinThread(_ thread: pthread_t) {
    _ = pthread_join(thread, nil)
}

/// Number of online CPUs, for `workers: auto`.
public func onlineCPUCount() -> Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}
