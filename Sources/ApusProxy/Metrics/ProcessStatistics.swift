import ApusNet
import Glibc

/// The process's CPU time, memory, open files and start time, read from /proc at each
/// scrape, as Prometheus client libraries export them (`process_*`): the families the
/// CPU and memory panels of a dashboard read.
struct ProcessStatistics {
    var cpuSeconds: Double?
    var residentBytes: Int?
    var virtualBytes: Int?
    var startUnixSeconds: Int?
    var openFiles: Int?
    var maxOpenFiles: Int?

    static func read() -> ProcessStatistics {
        var statistics = ProcessStatistics()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        // Fields after the command (which may hold spaces), numbered as in proc(5) from 3.
        if case .success(let bytes) = RegularFile.read("/proc/self/stat", maximumBytes: 4096),
           let close = bytes.lastIndex(of: UInt8(ascii: ")")) {
            let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " ")).map { Int(String(decoding: $0, as: UTF8.self)) }
            func field(_ number: Int) -> Int? { number - 3 < fields.count ? fields[number - 3] : nil }
            if let user = field(14), let system = field(15), ticks > 0 { statistics.cpuSeconds = Double(user + system) / ticks }
            statistics.virtualBytes = field(23)
            statistics.residentBytes = field(24).map { $0 * pageSize }
            if let start = field(22), let boot = bootUnixSeconds(), ticks > 0 { statistics.startUnixSeconds = boot + Int(Double(start) / ticks) }
        }
        if let directory = opendir("/proc/self/fd") {
            var count = 0
            while readdir(directory) != nil { count += 1 }
            closedir(directory)
            statistics.openFiles = count - 3  // ".", "..", and the directory's own descriptor
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { statistics.maxOpenFiles = Int(clamping: limit.rlim_cur) }
        return statistics
    }

    private static func bootUnixSeconds() -> Int? {
        guard case .success(let bytes) = RegularFile.read("/proc/stat", maximumBytes: 1 << 20) else { return nil }
        for line in bytes.split(separator: UInt8(ascii: "\n")) where line.starts(with: Array("btime ".utf8)) {
            return Int(String(decoding: line.dropFirst(6), as: UTF8.self))
        }
        return nil
    }

    func render(into out: inout String) {
        func gauge(_ name: String, _ help: String, _ type: String, _ value: String?) {
            guard let value else { return }
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        gauge("process_cpu_seconds_total", "User and system CPU time spent, in seconds.", "counter", cpuSeconds.map { String($0) })
        gauge("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", residentBytes.map(String.init))
        gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", virtualBytes.map(String.init))
        gauge("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.", "gauge", startUnixSeconds.map(String.init))
        gauge("process_open_fds", "Open file descriptors.", "gauge", openFiles.map(String.init))
        gauge("process_max_fds", "The limit of open file descriptors.", "gauge", maxOpenFiles.map(String.init))
    }
}
