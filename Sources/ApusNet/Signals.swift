import CLinux
import Glibc

/// The signals the process acts on, taken synchronously by the control thread.
///
/// All of them are blocked in every thread before workers start (so no worker is
/// interrupted) and the control thread collects them with `sigtimedwait`. SIGPIPE is
/// ignored: writes use MSG_NOSIGNAL, and a closed peer must never kill the process.
public enum ControlSignal: Sendable {
    case terminate
    case reload
}

public enum Signals {
    private static func set() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGHUP)
        return set
    }

    /// Call once on the main thread before starting any thread.
    public static func blockForControlThread() {
        signal(SIGPIPE, SIG_IGN)
        var blocked = set()
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
    }

    /// Waits up to `milliseconds` for a control signal.
    public static func wait(milliseconds: Int) -> ControlSignal? {
        var waited = set()
        var timeout = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        let signal = sigtimedwait(&waited, nil, &timeout)
        switch signal {
        case SIGTERM, SIGINT: return .terminate
        case SIGHUP: return .reload
        default: return nil
        }
    }
}
