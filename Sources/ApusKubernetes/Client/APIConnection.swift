import ApusNet
import Glibc

/// One connection to the API server, plain or TLS, on a non-blocking socket that the
/// control-plane thread waits on with `poll` and a deadline (no event loop: these threads
/// do nothing else while they wait).
final class APIConnection {
    private let fd: Int32
    private let tls: TLSStream?
    /// Read buffer, and the TLS stream's coalescing space (which `writev2` alone uses, never called here).
    private let coalescing: UnsafeMutableRawBufferPointer
    let server: String

    /// Resolves `host`, connects (trying each address) and, for https, completes the handshake.
    init(config: KubernetesClientConfig, tlsContext: TLSClientContext?, deadline: UInt64) throws(KubernetesError) {
        server = config.server
        let addresses = try Self.resolve(config.host, port: config.port, server: config.server)
        var lastReason = "no address"
        var connected: Int32 = -1
        for address in addresses {
            switch Sockets.connect(address) {
            case .connected(let fd):
                connected = fd
            case .inProgress(let fd):
                if let reason = Self.wait(fd, events: Int16(POLLOUT), until: deadline) {
                    Posix.close(fd)
                    lastReason = reason == "timeout" ? "connect timed out" : reason
                    continue
                }
                let code = Sockets.connectResult(fd)
                if code != 0 {
                    Posix.close(fd)
                    lastReason = Posix.describe(code)
                    continue
                }
                connected = fd
            case .failed(let code):
                lastReason = Posix.describe(code)
            }
            if connected >= 0 { break }
        }
        guard connected >= 0 else { throw .unreachable(server: config.server, reason: lastReason) }
        fd = connected
        coalescing = UnsafeMutableRawBufferPointer.allocate(byteCount: 16_384, alignment: 16)
        guard let tlsContext else {
            tls = nil
            return
        }
        guard let stream = tlsContext.makeStream(fd: fd, host: config.host, coalescing: coalescing) else {
            Posix.close(fd)
            coalescing.deallocate()
            throw .tls(server: config.server, reason: "cannot set up TLS for \(config.tlsServerName ?? config.host)")
        }
        tls = stream
        while true {
            let step = stream.handshake()
            let events: Int16
            switch step {
            case .done:
                return
            case .wantRead: events = Int16(POLLIN)
            case .wantWrite: events = Int16(POLLOUT)
            case .failed(let reason):
                close()
                throw .tls(server: config.server, reason: reason)
            }
            if let reason = Self.wait(fd, events: events, until: deadline) {
                close()
                throw reason == "timeout" ? .timedOut(server: config.server, what: "TLS handshake") : .tls(server: config.server, reason: reason)
            }
        }
    }

    private var closed = false

    func close() {
        guard !closed else { return }
        closed = true
        tls?.shutdown()
        Posix.close(fd)
        coalescing.deallocate()
    }

    deinit { close() }

    func writeAll(_ bytes: [UInt8], deadline: UInt64) throws(KubernetesError) {
        var offset = 0
        while offset < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                let base = raw.baseAddress! + offset
                let count = raw.count - offset
                if let tls { return tls.write(base, count) }
                return Posix.send(fd, base, count)
            }
            switch result {
            case .bytes(let n):
                offset += n
            case .wouldBlock:
                let events = tls?.writeWantsRead == true ? Int16(POLLIN) : Int16(POLLOUT)
                if let reason = Self.wait(fd, events: events, until: deadline) {
                    throw reason == "timeout" ? .timedOut(server: server, what: "sending the request") : .connectionLost(server: server, reason: reason)
                }
            case .endOfStream:
                throw .connectionLost(server: server, reason: "closed while sending the request")
            case .failed(let code):
                throw .connectionLost(server: server, reason: Posix.describe(code))
            }
        }
    }

    /// Reads what is there (waiting until `deadline` for something); empty at end of stream.
    func read(deadline: UInt64, waiting what: @autoclosure () -> String) throws(KubernetesError) -> [UInt8] {
        let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: coalescing[0..<coalescing.count]), deadline: deadline, waiting: what())
        return Array(UnsafeRawBufferPointer(rebasing: coalescing[0..<n]))
    }

    private func read(into buffer: UnsafeMutableRawBufferPointer, deadline: UInt64, waiting what: @autoclosure () -> String) throws(KubernetesError) -> Int {
        while true {
            let result = tls.map { $0.read(buffer.baseAddress!, buffer.count) } ?? Posix.receive(fd, buffer.baseAddress!, buffer.count)
            switch result {
            case .bytes(let n):
                return n
            case .endOfStream:
                return 0
            case .wouldBlock:
                let events = tls?.readWantsWrite == true ? Int16(POLLOUT) : Int16(POLLIN)
                if let reason = Self.wait(fd, events: events, until: deadline) {
                    throw reason == "timeout" ? .timedOut(server: server, what: what()) : .connectionLost(server: server, reason: reason)
                }
            case .failed(let code):
                throw .connectionLost(server: server, reason: Posix.describe(code))
            }
        }
    }

    /// Waits for `events` on `fd`; nil when ready, else "timeout" or the error.
    private static func wait(_ fd: Int32, events: Int16, until deadline: UInt64) -> String? {
        while true {
            let now = MonotonicClock.milliseconds()
            guard now < deadline else { return "timeout" }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&entry, 1, Int32(min(deadline - now, 60_000)))
            if rc > 0 {
                // HUP/ERR: let the read or connect result say what happened.
                return nil
            }
            if rc < 0, errno != EINTR { return Posix.describe(errno) }
        }
    }

    private static func resolve(_ host: String, port: Int, server: String) throws(KubernetesError) -> [SocketAddress] {
        if let literal = SocketAddress(host: host, port: UInt16(port)) { return [literal] }
        switch NameLookup.socketAddresses(of: host, port: UInt16(port)) {
        case .success(let addresses): return addresses
        case .failure(let error): throw .unreachable(server: server, reason: "cannot resolve \(host): \(error.reason)")
        }
    }
}
