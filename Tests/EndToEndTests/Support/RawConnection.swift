import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to 127.0.0.1 for sending exact bytes (pipelining, malformed requests)
/// and reading what comes back, with deadlines instead of hangs.
///
/// Used by one task at a time; the blocking calls run on their own thread (`offload`).
final class RawConnection: @unchecked Sendable {
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// True once the peer closed (FIN or RST).
    private(set) var peerClosed = false

    private init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    /// Connects to 127.0.0.1:`port`; throws when refused.
    static func connect(port: Int) async throws -> RawConnection {
        try await offload { try RawConnection.connectNow(port: port) }
    }

    /// The blocking connect, also used to probe whether a port accepts.
    static func connectNow(port: Int) throws -> RawConnection {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed: errno \(errno)") }
        var address = sockaddr_in.loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw ConnectError(port: port, errno: code)
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return RawConnection(fd: fd)
    }

    /// The client side's port, to find this connection in the kernel's socket tables.
    var localPort: Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts connections on 127.0.0.1:`port` right now.
    static func accepts(port: Int) -> Bool {
        (try? connectNow(port: port)) != nil
    }

    /// Sends all of `text` (as UTF-8).
    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    /// Sends all of `bytes`; a peer that closed mid-way throws.
    func send(_ bytes: [UInt8]) async throws {
        try await offload { try self.sendNow(bytes) }
    }

    func sendNow(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw HarnessError("send failed after \(offset) bytes: errno \(errno)")
            }
            offset += sent
        }
    }

    /// Half-closes our side (FIN), as a client does after its last request.
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads until the peer closes or `timeout` passes; returns everything received so far
    /// (including anything buffered by earlier reads).
    func readUntilClose(timeout: Duration = .seconds(5)) async throws -> [UInt8] {
        try await offload {
            let deadline = ContinuousClock.now + timeout
            while !self.peerClosed, ContinuousClock.now < deadline {
                self.fill(until: deadline)
            }
            let all = self.buffer
            self.buffer.removeAll()
            return all
        }
    }

    /// Reads `count` complete responses (to requests with the given methods, in order), or as many
    /// as arrive before the peer closes or `timeout` passes.
    func readResponses(_ count: Int, methods: [String]? = nil, timeout: Duration = .seconds(5)) async throws -> [HTTPResponse] {
        try await offload {
            let deadline = ContinuousClock.now + timeout
            var responses: [HTTPResponse] = []
            while responses.count < count {
                let method = methods.map { $0[min(responses.count, $0.count - 1)] } ?? "GET"
                if let (response, used) = HTTPResponse.parse(self.buffer, requestMethod: method, atEOF: self.peerClosed) {
                    responses.append(response)
                    self.buffer.removeFirst(used)
                    continue
                }
                if self.peerClosed || ContinuousClock.now >= deadline { break }
                self.fill(until: deadline)
            }
            return responses
        }
    }

    /// Reads one response (nil when none arrived in time).
    func readResponse(method: String = "GET", timeout: Duration = .seconds(5)) async throws -> HTTPResponse? {
        try await readResponses(1, methods: [method], timeout: timeout).first
    }

    /// Reads until the received bytes contain `needle` (true) or the peer closes / `timeout` passes (false).
    /// The bytes stay buffered for later reads.
    func readUntil(contains needle: String, timeout: Duration = .seconds(5)) async throws -> Bool {
        let pattern = Array(needle.utf8)
        return try await offload {
            let deadline = ContinuousClock.now + timeout
            while HTTPResponse.find(pattern, in: self.buffer, from: 0) == nil {
                if self.peerClosed || ContinuousClock.now >= deadline { return false }
                self.fill(until: deadline)
            }
            return true
        }
    }

    /// Reads and throws away bytes (counting those already buffered) until `count` arrived, the
    /// peer closes or `timeout` passes; returns how many arrived. For transfers too big to keep.
    func discard(count: Int, timeout: Duration) async throws -> Int {
        try await offload {
            let deadline = ContinuousClock.now + timeout
            var total = 0
            while true {
                total += self.buffer.count
                self.buffer.removeAll(keepingCapacity: true)
                if total >= count || self.peerClosed || ContinuousClock.now >= deadline { return total }
                self.fill(until: deadline)
            }
        }
    }

    /// Sends `total` bytes in 1 MiB pieces, adding each piece's size to `progress` once it went.
    func sendPieces(total: Int, progress: Locked<Int>) async throws {
        let piece = [UInt8](repeating: UInt8(ascii: "p"), count: 1 << 20)
        try await offload {
            var left = total
            while left > 0 {
                let size = min(left, piece.count)
                try self.sendNow(Array(piece[0..<size]))
                progress.withLock { $0 += size }
                left -= size
            }
        }
    }

    /// Shuts both directions down, unblocking any send or receive in progress.
    func abort() { shutdown(fd, Int32(SHUT_RDWR)) }

    /// Waits up to `timeout` for the peer to close, discarding nothing; true when it closed.
    func waitForClose(timeout: Duration = .seconds(5)) async throws -> Bool {
        try await offload {
            let deadline = ContinuousClock.now + timeout
            while !self.peerClosed, ContinuousClock.now < deadline { self.fill(until: deadline) }
            return self.peerClosed
        }
    }

    /// One poll+recv round, bounded by `deadline`.
    private func fill(until deadline: ContinuousClock.Instant) {
        let left = deadline - ContinuousClock.now
        let millis = max(0, Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000, 60_000)))
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, millis)
        guard ready > 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 {
            buffer.append(contentsOf: chunk[0..<n])
        } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
            peerClosed = true
        }
    }
}

/// A refused (or otherwise failed) connect, with the errno so tests can tell "refused" apart.
struct ConnectError: Error, CustomStringConvertible {
    let port: Int
    let errno: Int32
    var isRefused: Bool { errno == ECONNREFUSED }
    var description: String { "connect to 127.0.0.1:\(port) failed: \(String(cString: strerror(errno)))" }
}
