import ApusHTTP2

/// The HTTP/2 side of a downstream connection: its libnghttp2 session, its streams (each
/// an exchange on a stream connection of its own, whose transport is an
/// `HTTP2StreamPipe`), and the session's output the socket did not take yet.
///
/// Thread rule: owned by one worker, as the connection that holds it.
final class HTTP2Downstream {
    let session: HTTP2ServerSession
    /// The stream connections, by stream id.
    var streams = HTTP2StreamMap<DownstreamConnection>()
    /// The session's frames on their way to the socket.
    var output = HTTP2SessionOutput()
    /// Streams whose pipe refused a write for a full queue.
    var waitingForRoom: [HTTP2StreamPipe] = []
    /// The connection this is the HTTP/2 side of (which owns it).
    unowned let connection: DownstreamConnection
    /// Told when output becomes due (it owns its connections).
    unowned let worker: Worker
    /// When the last stream ended (or the connection began), while no stream is open.
    var idleSince: UInt64 = 0
    // The flags come last, packed together: an idle connection's size counts.
    /// Output is due (a stream wrote, or a window reopened): the worker flushes it after the
    /// events it is handling.
    private(set) var flushDue = false
    /// A GOAWAY went out: no new stream is taken, and the connection closes when the last
    /// one ends.
    var goingAway = false
    /// Bytes went out since the idle deadline was last set (a slow reader still reads).
    var wroteSinceDeadline = false
    /// The idle deadline set is the one for releasing the session's memory, not for closing.
    var memoryReleaseDue = false

    /// Response bytes all streams of a connection may have queued together before their
    /// writes are refused: what one client can make Apus hold.
    static let queueLimit = 1 << 20

    init(settings: HTTP2Settings, connection: DownstreamConnection, worker: Worker) throws(HTTP2Error) {
        session = try HTTP2ServerSession(settings: settings)
        self.connection = connection
        self.worker = worker
    }

    func needsFlush() {
        guard !flushDue else { return }
        flushDue = true
        worker.flushLater(connection)
    }

    func flushed() { flushDue = false }

    /// Called a moment into an idle period (no stream, output written): what the
    /// connection and its session hold for streams goes.
    func releaseIdleMemory() {
        streams.releaseStorage()
        waitingForRoom = []
        session.releaseIdleMemory()
    }

    func waitForRoom(_ pipe: HTTP2StreamPipe) {
        if !waitingForRoom.contains(where: { $0 === pipe }) { waitingForRoom.append(pipe) }
    }
}
