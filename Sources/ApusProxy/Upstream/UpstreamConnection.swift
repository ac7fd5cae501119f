import ApusHTTP
import ApusNet

/// One connection to an upstream endpoint: connecting, busy with an exchange, or idle in
/// its endpoint's pool.
///
/// Thread rule: owned by one worker's loop.
final class UpstreamConnection {
    enum State {
        case connecting
        case busy
        case idle
    }

    let fd: Int32
    let tag: UInt64
    let endpoint: EndpointState
    var state: State = .connecting
    var readable = false
    var writable = false
    /// See `DownstreamConnection.hangupSeen`.
    var hangupSeen = false
    var deadline = Deadline()
    /// Taken from the pool rather than freshly connected: a failure before any response
    /// byte may be a keep-alive race, and is retried on a new connection.
    var reused = false
    var input = IOBuffer()
    var parser = ResponseHeadParser()
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
        Posix.read(fd, buffer, count)
    }

    @inline(__always)
    func writev2(_ a: UnsafeRawPointer, _ aCount: Int, _ b: UnsafeRawPointer, _ bCount: Int) -> IOResult {
        Posix.writev2(fd, a, aCount, b, bCount)
    }

    /// See `DownstreamConnection.shortReadDrains`.
    var shortReadDrains: Bool { !hangupSeen }

    func resetForExchange() {
        parser.reset()
        head.reset()
        headParsed = false
        responseBytes = 0
        body = BodyCursor()
    }
}
