import CLinux
import Glibc

/// Whether a busy worker whose event queue ran dry sleeps on a short timer ("naps") instead of
/// blocking in `epoll_wait` until the next event.
///
/// A worker blocked in `epoll_wait` is woken by the thread whose write made a socket ready:
/// the kernel runs the wake-up, and an inter-processor interrupt when the worker's CPU has
/// halted, on that thread's time. Inside a virtual machine without guest halt-polling the
/// interrupt exits to the hypervisor. In ../shared/bench's 16k scenario (clients and upstream
/// sharing one CPU, which is the bottleneck) the worker blocked before 12% of requests and
/// each of those wake-ups cost the peers about 6 µs (`perf` on their CPU: time under
/// `sock_def_readable` 1.33 µs per request against 0.56 µs with nginx, which never idles
/// there). A worker that naps is not on the socket's wait queue, so readiness costs the
/// writer nothing extra, and its own timer wakes it. Wake-ups of the worker fell from 0.12 to
/// 0.03 per request, and the peers' CPU per request to nginx's.
///
/// A nap delays the event that ends it by up to `napNanoseconds`. That is harmless when many
/// clients keep requests in flight (other connections keep the peers busy meanwhile) and
/// costly when a few clients wait on each answer in turn, so the worker naps only with at
/// least `minimumConnections` busy client connections (all but the kept-alive ones waiting
/// for their next request: new, handshaking, mid-request, tunnels, lingering; with the
/// kept-alive ones counted, one client sending requests one by one among 40 idle ones
/// waited 169 instead of 110 µs per request). A nap also costs the worker a timer, two context switches and their exits to
/// the hypervisor, so it naps at most `napsInARow` times before blocking (with 4, full TLS
/// handshakes, whose events come far apart, cost 1.05 of nginx's CPU per connection; with
/// 2, 0.98), and after a run of naps that found nothing it skips napping for the next
/// 1, 3, 7 … 63 blocking waits (light traffic on many busy connections, or idle tunnels,
/// then seldom naps).
public struct IdleNaps {
    public static let napNanoseconds = 50_000
    public static let napsInARow = 2
    public static let minimumConnections = 16
    static let longestBackoff = 6

    public let enabled: Bool
    private var napsTaken = 0
    private var backoff = 0
    private var skipsLeft = 0

    public init(enabled: Bool) {
        self.enabled = enabled
    }

    /// Whether the next wait should only poll, because the worker may nap if nothing is ready.
    public func mayNap(busyConnections: Int) -> Bool {
        enabled && busyConnections >= Self.minimumConnections && skipsLeft == 0
    }

    /// Asked after a poll found nothing: true to nap and poll again, false to block. A run
    /// of naps that ended without an event blocks and starts (or lengthens) the back-off.
    public mutating func shouldNap() -> Bool {
        if napsTaken < Self.napsInARow {
            napsTaken += 1
            return true
        }
        napsTaken = 0
        backoff = min(backoff + 1, Self.longestBackoff)
        // Counting the blocking wait this answer leads to (`blocked` follows).
        skipsLeft = 1 << backoff
        return false
    }

    /// A poll (without blocking) ended; `found` is whether it returned events. Events
    /// end the run of naps and the back-off: the worker is busy again.
    public mutating func polled(found: Bool) {
        guard found else { return }
        napsTaken = 0
        backoff = 0
    }

    /// The worker blocked in `epoll_wait` and woke up: one blocking wait of the back-off
    /// passed, and the next empty queue starts a new run of naps.
    public mutating func blocked() {
        napsTaken = 0
        if skipsLeft > 0 { skipsLeft -= 1 }
    }

    /// Sleeps `napNanoseconds` on the monotonic clock. Call `allowPreciseNaps` once per thread
    /// first: the default timer slack (50 µs) would double the nap.
    public static func nap() {
        var duration = timespec(tv_sec: 0, tv_nsec: napNanoseconds)
        _ = clock_nanosleep(CLOCK_MONOTONIC, 0, &duration, nil)
    }

    /// Lets this thread's timers fire within 1 µs of their deadline instead of 50 µs (its
    /// millisecond `epoll_wait` timeouts become that precise too, which costs nothing).
    public static func allowPreciseNaps() {
        _ = capus_set_timer_slack(1_000)
    }
}
