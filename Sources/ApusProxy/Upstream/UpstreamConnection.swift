import ApusHTTP
import ApusNet

/// One connection to an upstream endpoint: connecting, busy with an exchange, or idle in
/// its endpoint's pool.
///
/// Thread rule: owned by one worker's loop.
final class UpstreamConnection {
    enum State {
        case connecting
        /// Connected; the TLS handshake to an HTTPS upstream is in progress.
        case handshaking
        case busy
        case idle
    }

    let fd: Int32
    let tag: UInt64
    let endpoint: EndpointState
    var state: State = .connecting
    /// Set for an HTTPS upstream once the TCP connect succeeded; pooled with the connection.
    var tls: TLSStream?
    var readable = false
    var writable = false
    /// See `DownstreamConnection.hangupSeen`.
    var hangupSeen = false
    var deadline = Deadline()
    /// Taken from the pool rather than freshly connected: a failure before any response
    /// byte may be a keep-alive race, and is retried on a new connection.
    var reused = false
    var input = IOBuffer()
    var responseStart = UpstreamResponseStart()
    var head = ResponseHead()
    var headParsed = false
    var responseBytes = 0
    var body = BodyCursor()
    var downstream: DownstreamConnection?

    init(fd: Int32, tag: UInt64, endpoint: EndpointState) {
        self.fd = fd
        self.tag = tag
        self.endpoint = endpoint
    }

    @inline(__always)
    func read(_ buffer: UnsafeMutableRawPointer, _ count: Int) -> IOResult {
        if let tls { return tls.read(buffer, count) }
        return Posix.receive(fd, buffer, count)
    }

    @inline(__always)
    func writev2(_ a: UnsafeRawPointer, _ aCount: Int, _ b: UnsafeRawPointer, _ bCount: Int) -> IOResult {
        if let tls { return tls.writev2(a, aCount, b, bCount) }
        return Posix.writev2(fd, a, aCount, b, bCount)
    }

    /// See `DownstreamConnection.shortReadDrains`.
    var shortReadDrains: Bool {
        if let tls { return tls.lastReadDrained && !hangupSeen }
        return !hangupSeen
    }

    /// See `DownstreamConnection.shortWriteFills`.
    var shortWriteFills: Bool { tls == nil }

    /// See `DownstreamConnection.shutdownWrite`.
    func shutdownWrite() {
        tls?.shutdown()
        Sockets.shutdownWrite(fd)
    }

    func resetForExchange() {
        responseStart.reset()
        head.reset()
        headParsed = false
        responseBytes = 0
        body = BodyCursor()
    }
}
