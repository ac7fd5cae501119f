import ApusCore
import ApusNet
import Glibc
import Synchronization

/// Starts the workers (one thread and epoll loop each) and waits for them to drain.
///
/// Thread rule: used by the control thread only.
public final class ProxyServer {
    public let state: ProxyState
    private let progress = WorkerProgress()
    private var threads: [pthread_t] = []

    public init(state: ProxyState) {
        self.state = state
    }

    /// Checks that every listener address of `table` can be bound, so that a taken port is
    /// a start-up (or reload) error rather than a silent worker failure.
    ///
    /// Workers share a listener with SO_REUSEPORT, and so could any other process of the
    /// same user: a second apus (or an old one still running) would quietly take a share of
    /// the connections. So each address is first bound here alone, without SO_REUSEPORT,
    /// which fails with "address in use" while anyone listens there. Addresses of `held`
    /// (the table this process serves, on a reload) are ours and are not probed.
    public static func checkListeners(_ table: RouteTable, held: RouteTable? = nil) -> [String] {
        var problems: [String] = []
        var ours = Set(held?.listeners.map(\.address.description) ?? [])
        if let admin = held?.admin { ours.insert(admin.description) }
        var addresses = table.listeners.map { ($0.name, $0.address) }
        if let admin = table.admin { addresses.append(("admin", admin)) }
        for (name, address) in addresses where !ours.contains(address.description) {
            guard let socketAddress = SocketAddress(host: address.host, port: address.port) else {
                problems.append("listener \(name): \(address) is not an IP address")
                continue
            }
            do {
                let fd = try Sockets.listen(socketAddress, reusePort: false)
                Posix.close(fd)
            } catch {
                problems.append("listener \(name): \(error)\(error.code == EADDRINUSE ? " (another process listens there)" : "")")
            }
        }
        return problems
    }

    /// Starts `count` workers and waits until each has bound its listeners.
    public func start(workers count: Int) -> Bool {
        for index in 0..<count {
            let state = self.state
            let progress = self.progress
            let thread = spawnThread {
                do {
                    let worker = try Worker(index: index, state: state)
                    progress.started.add(1, ordering: .releasing)
                    worker.run()
                } catch {
                    Log.error("worker failed to start", ["worker": String(index), "error": "\(error)"])
                    progress.failed.add(1, ordering: .releasing)
                }
                progress.finished.add(1, ordering: .releasing)
            }
            threads.append(thread)
        }
        while progress.started.load(ordering: .acquiring) + progress.failed.load(ordering: .acquiring) < count {
            usleep(1000)
        }
        return progress.failed.load(ordering: .acquiring) == 0
    }

    /// Waits for every worker to finish, at most `milliseconds`; false when time ran out.
    public func waitForWorkers(milliseconds: Int) -> Bool {
        let deadline = MonotonicClock.milliseconds() + UInt64(milliseconds)
        while progress.finished.load(ordering: .acquiring) < threads.count {
            if MonotonicClock.milliseconds() >= deadline { return false }
            if Signals.wait(milliseconds: 20) == .terminate { return false }
        }
        for thread in threads { joinThread(thread) }
        return true
    }
}

/// Start-up and exit counts of the worker threads.
final class WorkerProgress: Sendable {
    let started = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let finished = Atomic<Int>(0)
}
