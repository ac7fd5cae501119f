import ApusCore
import ApusHTTP
import ApusNet

/// One client connection and the exchange in progress on it.
///
///     awaitingHead ──head──► proxying ──response done──► awaitingHead (keep-alive)
///          │                    │                              │
///          └──local answer──► responding ──done───────────────┘
///                                   └── not keep-alive ──► lingering ──► closed
///     proxying ──101 to an Upgrade──► tunneling ──both FINs, error or idle──► closed
///
/// Thread rule: owned by one worker's loop.
final class DownstreamConnection {
    enum Phase {
        /// TLS listener: the handshake runs before any HTTP byte.
        case handshaking
        case awaitingHead
        case proxying
        case responding
        /// The upstream answered an Upgrade request with 101: both connections carry
        /// opaque bytes until both sides closed (`TunnelState`).
        case tunneling
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
    /// Set on an HTTPS listener; every read and write then goes through it.
    var tls: TLSStream?
    private var hasWritten = false
    /// TCP_NODELAY is on (see `beforeWrite`).
    var noDelaySet = false
    var input = IOBuffer()
    var readable = true
    var writable = true
    /// The peer's FIN (or an error) was reported: a short read then does not mean the
    /// socket is drained, because the end of stream is still to be read.
    var hangupSeen = false
    var keepAlive = true
    var deadline = Deadline()
    var requestCount = 0
    /// Kept alive after a response, no byte of the next request yet (counted in
    /// `Worker.keptAliveIdle`).
    var waitsForNextRequest = false
    /// The request in progress; nil while idle, so an idle connection is a small object.
    /// Lent by the worker's `ExchangePool` when a request's first byte arrives.
    var exchange: Exchange?

    init(fd: Int32, tag: UInt64, listener: ListenerInfo, peer: [UInt8]) {
        self.fd = fd
        self.tag = tag
        self.listener = listener
        self.peer = peer
    }

    // The exchange's state, reachable as if stored here (valid only while `exchange` is set).
    var parser: RequestHeadParser {
        _read { yield exchange!.parser }
        _modify { yield &exchange!.parser }
    }
    var head: RequestHead {
        _read { yield exchange!.head }
        _modify { yield &exchange!.head }
    }
    var table: RouteTable? {
        _read { yield exchange!.table }
        _modify { yield &exchange!.table }
    }
    var routeIndex: Int {
        _read { yield exchange!.routeIndex }
        _modify { yield &exchange!.routeIndex }
    }
    var upstream: UpstreamConnection? {
        _read { yield exchange!.upstream }
        _modify { yield &exchange!.upstream }
    }
    var runtime: UpstreamRuntime? {
        _read { yield exchange!.runtime }
        _modify { yield &exchange!.runtime }
    }
    var maxBodyBytes: Int64 {
        _read { yield exchange!.maxBodyBytes }
        _modify { yield &exchange!.maxBodyBytes }
    }
    var upstreamHead: [UInt8] {
        _read { yield exchange!.upstreamHead }
        _modify { yield &exchange!.upstreamHead }
    }
    var upstreamHeadSent: Int {
        _read { yield exchange!.upstreamHeadSent }
        _modify { yield &exchange!.upstreamHeadSent }
    }
    var requestBody: BodyCursor {
        _read { yield exchange!.requestBody }
        _modify { yield &exchange!.requestBody }
    }
    var requestBodyBytesSent: Int64 {
        _read { yield exchange!.requestBodyBytesSent }
        _modify { yield &exchange!.requestBodyBytesSent }
    }
    var output: [UInt8] {
        _read { yield exchange!.output }
        _modify { yield &exchange!.output }
    }
    var outputSent: Int {
        _read { yield exchange!.outputSent }
        _modify { yield &exchange!.outputSent }
    }
    var responseStarted: Bool {
        _read { yield exchange!.responseStarted }
        _modify { yield &exchange!.responseStarted }
    }
    var file: Int32 {
        _read { yield exchange!.file }
        _modify { yield &exchange!.file }
    }
    var fileOffset: Int {
        _read { yield exchange!.fileOffset }
        _modify { yield &exchange!.fileOffset }
    }
    var fileRemaining: Int {
        _read { yield exchange!.fileRemaining }
        _modify { yield &exchange!.fileRemaining }
    }
    var gzip: GzipEncoder? {
        _read { yield exchange!.gzip }
        _modify { yield &exchange!.gzip }
    }
    var status: Int {
        _read { yield exchange!.status }
        _modify { yield &exchange!.status }
    }
    var bytesSent: Int {
        _read { yield exchange!.bytesSent }
        _modify { yield &exchange!.bytesSent }
    }
    var startMilliseconds: UInt64 {
        _read { yield exchange!.startMilliseconds }
        _modify { yield &exchange!.startMilliseconds }
    }
    var logFields: AccessLogFields {
        _read { yield exchange!.logFields }
        _modify { yield &exchange!.logFields }
    }
    var responseEdits: CompiledHeaderEdits? {
        _read { yield exchange!.responseEdits }
        _modify { yield &exchange!.responseEdits }
    }
    var tunnel: TunnelState {
        _read { yield exchange!.tunnel }
        _modify { yield &exchange!.tunnel }
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

    // Socket I/O goes through these, so that a TLS connection reads and writes records
    // with the same call sites as a plaintext one.

    @inline(__always)
    func read(_ buffer: UnsafeMutableRawPointer, _ count: Int) -> IOResult {
        if let tls { return tls.read(buffer, count) }
        return Posix.receive(fd, buffer, count)
    }

    @inline(__always)
    func send(_ buffer: UnsafeRawPointer, _ count: Int) -> IOResult {
        beforeWrite()
        if let tls { return tls.write(buffer, count) }
        return Posix.send(fd, buffer, count)
    }

    @inline(__always)
    func writev2(_ a: UnsafeRawPointer, _ aCount: Int, _ b: UnsafeRawPointer, _ bCount: Int) -> IOResult {
        beforeWrite()
        if let tls { return tls.writev2(a, aCount, b, bCount) }
        return Posix.writev2(fd, a, aCount, b, bCount)
    }

    @inline(__always)
    func sendfile(_ file: Int32, _ offset: inout Int, _ count: Int) -> IOResult {
        beforeWrite()
        return Posix.sendfile(fd, file, &offset, count)
    }

    /// Nagle's algorithm can only hold back a write while an earlier one is unacknowledged,
    /// so TCP_NODELAY is set before a connection's second write rather than at accept: a
    /// client that sends one request and closes costs one setsockopt less (nginx likewise
    /// sets it when a connection turns keep-alive). TLS connections get it at accept.
    @inline(__always)
    private func beforeWrite() {
        if noDelaySet { return }
        if hasWritten {
            Sockets.setNoDelay(fd)
            noDelaySet = true
        }
        hasWritten = true
    }

    /// Whether a read shorter than asked for means the socket is drained (edge-triggered
    /// epoll then reports the next bytes as a new event). Under TLS a read returns one
    /// record at a time, so the stream says whether the socket itself was emptied.
    var shortReadDrains: Bool {
        if let tls { return tls.lastReadDrained && !hangupSeen }
        return !hangupSeen
    }

    /// Whether a write shorter than asked for means the socket buffer is full (EPOLLOUT
    /// then says when it drains). Not under TLS: a TLS write sends one record at a time.
    var shortWriteFills: Bool { tls == nil }

    /// Stops sending (FIN after close_notify under TLS); reading goes on.
    func shutdownWrite() {
        tls?.shutdown()
        Sockets.shutdownWrite(fd)
    }
}

/// The state of one request/response on a downstream connection: parser, head, upstream
/// side, body cursors, pending output, log fields.
///
/// Pooled per worker (`ExchangePool`) with the capacity of its arrays, so a request
/// allocates nothing in the steady state. Thread rule: owned by one worker.
final class Exchange {
    var parser: RequestHeadParser
    var head = RequestHead()
    var table: RouteTable?
    var routeIndex = -1
    var upstream: UpstreamConnection?
    /// The upstream being proxied to, from the table the request started with (a reload
    /// may renumber the worker's upstreams while this exchange is in flight).
    var runtime: UpstreamRuntime?
    /// The table's body limit when the request started (0 = none).
    var maxBodyBytes: Int64 = 0
    /// Endpoints (by index in `runtime.endpoints`, modulo 64) this request was sent to, so
    /// that a retry goes elsewhere. Each attempt sets a bit not set before (a pooled
    /// connection the upstream had closed is retried on the same endpoint, and is no attempt).
    var triedEndpoints: UInt64 = 0
    var attempts: Int { triedEndpoints.nonzeroBitCount }
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
    /// The route's compression settings, set at request start only when the route
    /// compresses and the request accepts gzip: the response start tests just this.
    var gzipPolicy: CompressionPolicy?
    /// The compressor while the response goes out gzip-compressed (from the worker's
    /// `GzipEncoderPool`, given back when the exchange ends).
    var gzip: GzipEncoder?
    var status = 0
    var bytesSent = 0
    var startMilliseconds: UInt64 = 0
    var logFields = AccessLogFields()
    /// The matched route's response header rules for this connection's scheme (nil: none).
    var responseEdits: CompiledHeaderEdits?
    var tunnel = TunnelState()

    init(limits: HTTPLimits) {
        parser = RequestHeadParser(limits: limits)
    }

    /// Clears everything for the next request, keeping array capacity.
    func reset(limits: HTTPLimits) {
        parser = RequestHeadParser(limits: limits)
        head.reset()
        table = nil
        routeIndex = -1
        upstream = nil
        runtime = nil
        maxBodyBytes = 0
        triedEndpoints = 0
        if !upstreamHead.isEmpty { upstreamHead.removeAll(keepingCapacity: true) }
        upstreamHeadSent = 0
        requestBody = BodyCursor()
        requestBodyBytesSent = 0
        if !output.isEmpty { output.removeAll(keepingCapacity: true) }
        outputSent = 0
        responseStarted = false
        file = -1
        fileOffset = 0
        fileRemaining = 0
        status = 0
        bytesSent = 0
        tunnel = TunnelState()
    }
}

/// A worker's spare `Exchange`s.
struct ExchangePool {
    private var spares: [Exchange] = []
    private let maxSpares = 64

    mutating func take(limits: HTTPLimits) -> Exchange {
        if let exchange = spares.popLast() {
            exchange.reset(limits: limits)
            return exchange
        }
        return Exchange(limits: limits)
    }

    mutating func give(_ exchange: Exchange) {
        // A spare must not keep an old route table or an upstream alive.
        exchange.table = nil
        exchange.upstream = nil
        exchange.runtime = nil
        // Dropped here rather than in `reset`, once per exchange; tested first because
        // storing nil over nil still calls swift_release.
        if exchange.responseEdits != nil { exchange.responseEdits = nil }
        // `gzip` went back to its pool already (`releaseExchange`); the policy is dropped here
        // rather than in `reset`, once per exchange.
        exchange.gzipPolicy = nil
        if spares.count < maxSpares { spares.append(exchange) }
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
