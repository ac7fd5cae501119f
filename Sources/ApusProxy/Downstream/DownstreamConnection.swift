import ApusCore
import ApusHTTP
import ApusNet

/// One downstream connection: its transport, the bytes it sent, and the exchange in progress.
///
///     awaitingProxyHeader ──PROXY header──► handshaking or awaitingHead
///     handshaking ──TLS done──► awaitingHead ──head──► exchanging ──finish(keepAlive)──► awaitingHead
///                                                          │
///                                                          ├── finish(linger) ──► lingering ──► closed
///                                                          └── finish(close), cut ──────────► closed
///
/// What happens inside `exchanging` (routing, a local answer, the upstream, a tunnel) is
/// the exchange's (`ExchangeMachine`).
/// Thread rule: owned by one worker's loop.
final class DownstreamConnection {
    enum Phase {
        /// A listener behind a load balancer: the PROXY protocol header comes first.
        case awaitingProxyHeader
        /// TLS listener: the handshake runs before any HTTP byte.
        case handshaking
        case awaitingHead
        case exchanging
        /// The response went with `Connection: close`; reading and discarding until the
        /// client closes (or a short deadline), so unread request bytes don't turn into a
        /// reset that destroys the response in flight.
        case lingering
        /// The connection speaks HTTP/2 (`http2`): each stream is a connection of its own
        /// whose transport is the stream (`HTTP2StreamPipe`).
        case http2
    }

    var transport: Transport
    let tag: UInt64
    let listener: ListenerInfo
    /// The peer's address as text (access log, X-Forwarded-For) and as bits (access lists):
    /// the socket's peer, or the client a PROXY protocol header names.
    var peer: [UInt8]
    var address: ClientAddress

    var phase: Phase = .awaitingHead
    var input = IOBuffer()
    var deadline = Deadline()
    var requestCount = 0
    /// Kept alive after a response, no byte of the next request yet (counted in
    /// `Worker.keptAliveIdle`).
    var waitsForNextRequest = false
    /// The request in progress; nil while idle, so an idle connection is a small object.
    /// Lent by the worker's `ExchangePool` when a request's first byte arrives.
    var exchange: Exchange?
    /// The HTTP/2 session and streams, in phase `http2`.
    var http2: HTTP2Downstream?

    var fd: Int32 { transport.fd }

    /// An HTTP/2 stream's connection has no socket: its descriptor is a negative number
    /// the worker hands out (`Worker.streamConnections`).
    var isStream: Bool { transport.fd < 0 }

    /// The connection's TLS session: its own, or the HTTP/2 connection's for a stream.
    var tlsStream: TLSStream? {
        if let pipe = transport.layer as? HTTP2StreamPipe { return pipe.owner.connection.transport.tls }
        return transport.tls
    }

    init(transport: Transport, tag: UInt64, listener: ListenerInfo, peer: [UInt8], address: ClientAddress) {
        self.transport = transport
        self.tag = tag
        self.listener = listener
        self.peer = peer
        self.address = address
    }

    /// The value of the first header of this kind in the current head, as a view into `input`.
    func headerValue(_ known: KnownHeader) -> UnsafeRawBufferPointer? {
        guard let exchange else { return nil }
        for field in exchange.head.headers where field.known == known {
            return UnsafeRawBufferPointer(rebasing: input.readable[Int(field.valueStart)..<Int(field.valueEnd)])
        }
        return nil
    }

    func headerString(_ known: KnownHeader) -> String? {
        headerValue(known).map { String(decoding: $0, as: UTF8.self) }
    }
}
