import CLinux
import Glibc

/// Milliseconds on CLOCK_MONOTONIC (vDSO, no syscall); the loop reads it once per iteration.
public enum MonotonicClock {
    @inlinable
    public static func milliseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1000 &+ UInt64(now.tv_nsec) / 1_000_000
    }

    /// Microseconds on CLOCK_MONOTONIC, for latencies finer than the loop's millisecond.
    @inlinable
    public static func microseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000 &+ UInt64(now.tv_nsec) / 1000
    }

    /// Seconds since the Unix epoch, for log lines and Date headers.
    public static func wallSeconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int(now.tv_sec)
    }
}
