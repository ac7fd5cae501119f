import CLinux
import Glibc
import Synchronization

/// The signals the process acts on.
///
/// All of them are blocked in every thread before any other thread starts (so no worker is
/// interrupted); one thread of their own takes them with `sigwait` and posts them to a
/// mailbox that the control thread reads with `wait`. The control thread may be busy for a
/// while (a reload reads files, resolves names): a SIGTERM it has not taken after
/// `terminationGraceMilliseconds` is carried out by the signal thread itself through the
/// emergency drain the command registered, so the process always stops when asked.
/// SIGPIPE is ignored: writes use MSG_NOSIGNAL, and a closed peer must never kill the process.
public enum ControlSignal: Sendable {
    case terminate
    case reload
}

public enum Signals {
    /// How long a SIGTERM may wait for the control thread before the signal thread drains.
    public static let terminationGraceMilliseconds: UInt64 = 5_000

    private static let terminationsReceived = Atomic<Int>(0)
    private static let terminationsTaken = Atomic<Int>(0)
    private static let reloadsReceived = Atomic<Int>(0)
    private static let reloadsTaken = Atomic<Int>(0)
    /// Written by the signal thread after posting, read by `wait` to sleep without polling.
    private static let mailboxEvent: Int32 = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
    private static let emergency = Locked<(@Sendable () -> Void)?>(nil)

    private static func set() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGHUP)
        return set
    }

    /// Call once on the main thread before starting any other thread.
    public static func blockForControlThread() {
        signal(SIGPIPE, SIG_IGN)
        var blocked = set()
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        spawnDetachedThread { receive() }
    }

    /// What to do when a SIGTERM goes untaken for the grace period: drain and exit. The
    /// closure runs on the signal thread while the control thread is still busy elsewhere.
    public static func onUntakenTermination(_ drain: @escaping @Sendable () -> Void) {
        emergency.withLock { $0 = drain }
    }

    /// Waits up to `milliseconds` for a control signal; each one is returned once.
    public static func wait(milliseconds: Int) -> ControlSignal? {
        let deadline = MonotonicClock.milliseconds() + UInt64(max(milliseconds, 0))
        while true {
            if take(terminationsReceived, terminationsTaken) { return .terminate }
            if take(reloadsReceived, reloadsTaken) { return .reload }
            let now = MonotonicClock.milliseconds()
            guard now < deadline else { return nil }
            var event = pollfd(fd: mailboxEvent, events: Int16(POLLIN), revents: 0)
            if poll(&event, 1, Int32(min(deadline - now, 1000))) > 0 {
                var value: UInt64 = 0
                _ = read(mailboxEvent, &value, 8)
            }
        }
    }

    private static func take(_ received: borrowing Atomic<Int>, _ taken: borrowing Atomic<Int>) -> Bool {
        while true {
            let done = taken.load(ordering: .acquiring)
            guard done < received.load(ordering: .acquiring) else { return false }
            if taken.compareExchange(expected: done, desired: done + 1, ordering: .acquiringAndReleasing).exchanged { return true }
        }
    }

    private static func receive() {
        var waited = set()
        while true {
            var number: Int32 = 0
            guard sigwait(&waited, &number) == 0 else { continue }
            switch number {
            case SIGTERM, SIGINT:
                let count = terminationsReceived.add(1, ordering: .acquiringAndReleasing).newValue
                post()
                if count == 1 { spawnDetachedThread { watchTermination() } }
            case SIGHUP:
                reloadsReceived.add(1, ordering: .acquiringAndReleasing)
                post()
            default:
                break
            }
        }
    }

    private static func post() {
        var one: UInt64 = 1
        _ = write(mailboxEvent, &one, 8)
    }

    /// The first SIGTERM: if the control thread has not taken it within the grace period,
    /// drain from here.
    private static func watchTermination() {
        let deadline = MonotonicClock.milliseconds() + terminationGraceMilliseconds
        while MonotonicClock.milliseconds() < deadline {
            if terminationsTaken.load(ordering: .acquiring) > 0 { return }
            usleep(20_000)
        }
        guard let drain = emergency.withLock({ $0 }), take(terminationsReceived, terminationsTaken) else { return }
        // Taken here, so that the drain's own wait for a second SIGTERM (to cut it short) does
        // not mistake this one for it.
        Log.error("SIGTERM not taken by the control thread within the grace period (it is busy, e.g. in a reload); draining without it",
                  ["grace_ms": String(terminationGraceMilliseconds)])
        drain()
    }
}
