import ApusCore
import ApusHTTP
import ApusNet

/// One client connection and the exchange in progress on it.
///
///     awaitingHead ──head──► proxying ──response done──► awaitingHead (keep-alive)
///          │                    │                              │
///          └──local answer──► responding ──done───────────────┘
///                                   └── not keep-alive ──► lingering ──► closed
///
/// Thread rule: owned by one worker's loop.
final class DownstreamConnection {
    enum Phase {
        case awaitingHead
        case proxying
        case responding
        /// Response sent with `Connection: close`; reading and discarding until the client
        /// closes (or a short deadline), so unread request bytes don't turn into a RST that
        /// destroys the response in flight.
        case lingering
    }

    let fd: Int32
    let tag: UInt64
    let listener: ListenerInfo
    let peer: [UInt8]

    var phase: Phase = .awaitingHead
    var input = IOBuffer()
    var parser: RequestHeadParser
    var head = RequestHead()
    var readable = true
    var writable = true
    var deadline: UInt64 = 0
    var wheelAt: UInt64 = .max
    var requestCount = 0

    // The exchange in progress.
    var table: RouteTable?
    var routeIndex = -1
    var keepAlive = true
    var upstream: UpstreamConnection?
    var upstreamIndex = -1
    var attempts = 0
    /// The request head as sent upstream (kept for a retry on another connection).
    var upstreamHead: [UInt8] = []
    var upstreamHeadSent = 0
    var requestBody = BodyCursor()
    var requestBodyBytesSent: Int64 = 0
    /// Bytes for the downstream that come before any body: interim 100, response head,
    /// or a whole local response.
    var output: [UInt8] = []
    var outputSent = 0
    var responseStarted = false
    var file: Int32 = -1
    var fileOffset = 0
    var fileRemaining = 0
    var status = 0
    var bytesSent = 0
    var startMilliseconds: UInt64 = 0
    var logFields = AccessLogFields()

    init(fd: Int32, tag: UInt64, listener: ListenerInfo, peer: [UInt8], limits: HTTPLimits) {
        self.fd = fd
        self.tag = tag
        self.listener = listener
        self.peer = peer
        self.parser = RequestHeadParser(limits: limits)
    }

    /// The value of the first header of this kind in the current head, as a view into `input`.
    func headerValue(_ known: KnownHeader) -> UnsafeRawBufferPointer? {
        for field in head.headers where field.known == known {
            return UnsafeRawBufferPointer(rebasing: input.readable[Int(field.valueStart)..<Int(field.valueEnd)])
        }
        return nil
    }

    func headerString(_ known: KnownHeader) -> String? {
        headerValue(known).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Clears the exchange state for the next request on this connection.
    func resetExchange() {
        phase = .awaitingHead
        parser.reset()
        head.reset()
        table = nil
        routeIndex = -1
        upstream = nil
        upstreamIndex = -1
        attempts = 0
        upstreamHead.removeAll(keepingCapacity: true)
        upstreamHeadSent = 0
        requestBody = BodyCursor()
        requestBodyBytesSent = 0
        output.removeAll(keepingCapacity: true)
        outputSent = 0
        responseStarted = false
        status = 0
        bytesSent = 0
    }
}

/// What the access log needs from a request, copied before its head bytes are consumed.
struct AccessLogFields {
    var method: [UInt8] = []
    var target: [UInt8] = []
    var version: HTTPVersion = .http11
    var host: [UInt8] = []
    var referer: [UInt8] = []
    var userAgent: [UInt8] = []
    var upstreamAddress: String = ""

    mutating func clear() {
        method.removeAll(keepingCapacity: true)
        target.removeAll(keepingCapacity: true)
        host.removeAll(keepingCapacity: true)
        referer.removeAll(keepingCapacity: true)
        userAgent.removeAll(keepingCapacity: true)
        upstreamAddress = ""
    }
}
