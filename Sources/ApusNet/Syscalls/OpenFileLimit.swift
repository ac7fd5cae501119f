import Glibc

/// The process's limit on open file descriptors (RLIMIT_NOFILE): every connection costs one,
/// a proxied one two.
public enum OpenFileLimit {
    /// RLIM_INFINITY (all bits set; Glibc's macro does not import as a constant).
    private static let unlimited = rlim_t.max

    /// Raises the soft limit to the hard one, as nginx's `worker_rlimit_nofile` or systemd's
    /// `LimitNOFILE` would; the soft limit a shell or container hands down (often 1,024) is far
    /// below what a proxy needs. Returns the soft limit now in force.
    @discardableResult
    public static func raiseToHard() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            // An unlimited hard limit cannot be the soft one; the kernel's ceiling can.
            raised.rlim_cur = limit.rlim_max == unlimited ? min(nrOpen(), limit.rlim_max) : limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return current()
    }

    /// The soft limit in force.
    public static func current() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return limit.rlim_cur == unlimited ? Int(Int32.max) : Int(min(limit.rlim_cur, rlim_t(Int32.max)))
    }

    /// Descriptors kept free of client connections: for the admin listener (a kubelet probe
    /// must get through when clients have taken everything else) and the upstream
    /// connections of clients already accepted. A sixteenth of the limit, 32 to 512.
    public static func clientReserve(limit: Int) -> Int {
        min(max(limit / 16, 32), 512)
    }

    private static func nrOpen() -> rlim_t {
        let fd = open("/proc/sys/fs/nr_open", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 1_048_576 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = read(fd, &buffer, buffer.count)
        var value: rlim_t = 0
        for byte in buffer.prefix(max(count, 0)) where byte >= 48 && byte <= 57 { value = value * 10 + rlim_t(byte - 48) }
        return value > 0 ? value : 1_048_576
    }
}
