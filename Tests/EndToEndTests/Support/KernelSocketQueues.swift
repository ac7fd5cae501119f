import Foundation

/// What the kernel holds for one IPv4 TCP socket, from /proc/net/tcp: bytes written and not yet
/// acknowledged (`tx_queue`) and bytes received and not yet read (`rx_queue`). Lets a test see
/// how much a process left queued in the kernel, which its RSS does not show.
struct KernelSocketQueues: Equatable {
    let unacknowledgedBytes: Int
    let unreadBytes: Int

    /// The queues of the socket bound to 127.0.0.1:`localPort` and connected to port
    /// `remotePort`, or nil when no such socket exists.
    static func of(localPort: Int, remotePort: Int) throws -> KernelSocketQueues? {
        // Read to the end: the file has no size, and with thousands of sockets it is many pages.
        guard let file = FileHandle(forReadingAtPath: "/proc/net/tcp") else { throw HarnessError("cannot open /proc/net/tcp") }
        defer { try? file.close() }
        let table = String(decoding: try file.readToEnd() ?? Data(), as: UTF8.self)
        let local = String(format: "0100007F:%04X", localPort)
        let remote = String(format: "0100007F:%04X", remotePort)
        for line in table.split(separator: "\n").dropFirst() {
            // sl local_address rem_address st tx_queue:rx_queue ...
            let fields = line.split(separator: " ")
            guard fields.count > 4, fields[1] == local, fields[2] == remote else { continue }
            let queues = fields[4].split(separator: ":")
            guard queues.count == 2, let tx = Int(queues[0], radix: 16), let rx = Int(queues[1], radix: 16) else { return nil }
            return KernelSocketQueues(unacknowledgedBytes: tx, unreadBytes: rx)
        }
        return nil
    }
}
