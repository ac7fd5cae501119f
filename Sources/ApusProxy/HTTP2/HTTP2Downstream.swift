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
    /// Output is due (a stream wrote, or a window reopened): the worker flushes it after the
    /// events it is handling.
    private(set) var flushDue = false
    /// The connection this is the HTTP/2 side of (which owns it).
    unowned let connection: DownstreamConnection
    /// Told when output becomes due (it owns its connections).
    unowned let worker: Worker
    /// A GOAWAY went out: no new stream is taken, and the connection closes when the last
    /// one ends.
    var goingAway = false

    /// Response bytes all streams of a connection may have queued together before their
    /// writes are refused: what one client can make Apus hold.
    static let queueLimit = 1 << 20
    /// Bytes went out since the idle deadline was last set (a slow reader still reads).
    var wroteSinceDeadline = false

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

    func waitForRoom(_ pipe: HTTP2StreamPipe) {
        if !waitingForRoom.contains(where: { $0 === pipe }) { waitingForRoom.append(pipe) }
    }
}
