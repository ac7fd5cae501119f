import ApusHTTP2

/// The HTTP/2 side of a connection to an upstream that speaks it: the client session, the
/// streams multiplexed on it (each an upstream connection of its own, whose transport is an
/// `HTTP2UpstreamStreamPipe`), and the session's output the socket did not take yet.
///
/// The connection takes streams up to the upstream's SETTINGS_MAX_CONCURRENT_STREAMS and
/// until a GOAWAY; streams attached while it connects wait in `waiting`.
///
/// Thread rule: owned by one worker, as the connection that holds it.
final class HTTP2Upstream {
    let session: HTTP2ClientSession
    /// `:scheme` of its requests.
    let scheme: StaticString
    /// Streams whose request head went out, by stream id.
    var streams = HTTP2StreamMap<UpstreamConnection>()
    /// Stream connections attached to it, sent or waiting.
    var attached = 0
    /// Streams attached before the connection (and its TLS handshake) was made.
    var waiting: [UpstreamConnection] = []
    /// Connected (and ALPN chose h2): streams go out.
    var ready = false
    /// A GOAWAY came, or the connection failed: no new stream is attached.
    private(set) var goingAway = false
    /// Reads that brought bytes from the upstream (a stream that times out with none since
    /// it was attached suspects the connection).
    var reads: UInt64 = 0
    /// The session's frames on their way to the socket.
    var output = HTTP2SessionOutput()
    /// Streams whose pipe refused a write for a full queue.
    var waitingForRoom: [HTTP2UpstreamStreamPipe] = []
    private(set) var flushDue = false
    /// The socket connection this is the HTTP/2 side of (which owns it). Weak: a stream
    /// whose exchange has not noticed yet may outlive a connection that closed.
    private(set) weak var connection: UpstreamConnection?
    unowned let worker: Worker

    init(connection: UpstreamConnection, worker: Worker, tls: Bool) throws(HTTP2Error) {
        var settings = HTTP2Settings()
        // A response stream's window bounds what Apus holds for a client slower than the
        // upstream; 256 KiB lets one stream run at loopback speed.
        settings.initialWindowSize = 262_144
        session = try HTTP2ClientSession(settings: settings)
        scheme = tls ? "https" : "http"
        self.connection = connection
        self.worker = worker
    }

    /// Whether a new stream may be attached now.
    var takesStream: Bool {
        !goingAway && UInt32(attached) < session.streamLimit && session.requestAllowed
    }

    /// No new stream is attached (a GOAWAY came, a request could not be submitted, the
    /// connection failed or looks dead); those on it finish.
    func stopTakingStreams() {
        goingAway = true
        connection?.endpoint.http2Connections.removeAll { $0.http2 === self }
    }

    func needsFlush() {
        guard !flushDue, let connection, connection.http2 === self else { return }
        flushDue = true
        worker.flushUpstreamLater(connection)
    }

    func flushed() { flushDue = false }

    func waitForRoom(_ pipe: HTTP2UpstreamStreamPipe) {
        if !waitingForRoom.contains(where: { $0 === pipe }) { waitingForRoom.append(pipe) }
    }
}
