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

    var transport: Transport
    let tag: UInt64
    let endpoint: EndpointState
    var state: State = .connecting
    var deadline = Deadline()
    var input = IOBuffer()
    var responseStart = UpstreamResponseStart()
    var head = ResponseHead()
    var headParsed = false
    /// The response body as read from here (framing from the exchange's `ResponsePlan`).
    var body = BodyCursor()
    /// The exchange this connection serves (nil while idle in the pool). An exchange, not
    /// a downstream connection: a multiplexed downstream connection carries many.
    var exchange: Exchange?
    /// The external-auth check this connection carries instead of an exchange.
    var authCheck: AuthCheck?
    /// A connection to an HTTP/2 upstream: its session and streams (it carries no exchange
    /// of its own; each stream is an upstream connection whose transport is a pipe).
    var http2: HTTP2Upstream?

    var fd: Int32 { transport.fd }

    init(transport: Transport, tag: UInt64, endpoint: EndpointState) {
        self.transport = transport
        self.tag = tag
        self.endpoint = endpoint
    }

    func resetForExchange() {
        responseStart.reset()
        head.reset()
        headParsed = false
        body = BodyCursor()
    }
}
