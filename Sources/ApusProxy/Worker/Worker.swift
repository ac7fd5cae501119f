import ApusControl
import ApusCore
import ApusHTTP
import ApusHTTP2
import ApusNet
import CLinux
import Glibc

/// One event loop on one thread: its listening sockets, downstream connections, upstream
/// pools, balancer state and buffers. Nothing here is shared, so the request path takes
/// no lock.
///
/// Each fd is registered once with a 64-bit tag `fd | serial << 32`; an event or timer
/// whose tag no longer matches the slot's owner is stale (the fd was closed and reused)
/// and is ignored, as NIO and nginx do with their instance bits.
/// Thread rule: created and run on its own thread; only `ProxyState` crosses threads.
final class Worker {
    enum Slot {
        case empty
        case listener(ListenerInfo)
        case downstream(DownstreamConnection)
        case upstream(UpstreamConnection)
    }

    let index: Int
    let state: ProxyState
    let epoll: Epoll
    let wakeup: Wakeup
    var slots: [Slot] = []
    var serial: UInt64 = 0
    var now: UInt64
    var wheel: TimerWheel
    var firedTimers: [TimerWheel.Entry] = []

    var table: RouteTable
    var generation: UInt64
    /// Certificates and upstream TLS contexts published with `table`.
    var tls: TLSCatalog
    /// Where a TLS write joins a response head and the start of its body into one record.
    let tlsCoalescing: UnsafeMutableRawBufferPointer
    var limits: HTTPLimits
    var listeners: [ListenerInfo] = []
    var upstreams: [UpstreamRuntime] = []
    var endpointStates: [EndpointKey: EndpointState] = [:]

    let buffers: BufferPool
    let matchScratch = MatchScratch()
    /// For patterns matched against a request's fields and a certificate's subject (canary
    /// header patterns, `match_cn`), which must not overwrite a route match's captures in
    /// `matchScratch`.
    let fieldScratch = MatchScratch()
    /// Weighted canary requests sent per route index of the current table (see
    /// `CompiledCanary.takesWeighted`), carried across swaps by route label and match kind.
    var canaryCounts: [UInt64] = []
    var canaryCountKeys: [String] = []
    let basicAuthCache = VerdictCache<Bool>()
    /// External auth's remembered answers, with when each expires (monotonic ms).
    let externalAuthCache = VerdictCache<(AuthVerdict, expiresAt: UInt64)>()
    let pathScratch: UnsafeMutableRawBufferPointer
    /// The upstream target of a rewriting route, rebuilt in place per request (its
    /// capacity stays, so only the first rewrite of a size allocates).
    var rewrittenTarget: [UInt8] = []
    /// A consistent-hash key's text, kept with its capacity.
    var balanceScratch: [UInt8] = []
    var counters = WorkerCounters()
    let requestSeries = RequestSeriesTable()
    var accessLog = AccessLogBuffer()
    var downstreamCount = 0
    /// Downstream connections kept alive and waiting for their next request; `IdleNaps`
    /// counts all the others (new, handshaking, mid-request, tunnels, lingering) as busy.
    var keptAliveIdle = 0
    var draining = false
    /// When the loop next runs `tick`: the next second, or at once when HTTP/2 output is
    /// due (`flushLater`), which so costs the loop no test of its own.
    var nextTick: UInt64 = 0
    var nextSecond: UInt64 = 0
    /// HTTP/2 stream connections by their (negative) descriptor, for their timers.
    var streamConnections = HTTP2StreamMap<DownstreamConnection>()
    var streamSerial: UInt32 = 0
    /// HTTP/2 connections whose streams wrote outside the connection's own events.
    var http2FlushQueue: [DownstreamConnection] = []
    /// Streams to HTTP/2 upstreams, by their (negative) descriptors, for their timers.
    var upstreamStreams = HTTP2StreamMap<UpstreamConnection>()
    /// Connections to HTTP/2 upstreams whose session has output due.
    var http2UpstreamFlushQueue: [UpstreamConnection] = []
    var dateHeader: [UInt8] = []
    var requestIDState: (UInt64, UInt64)
    var staticFiles = StaticFileResolver()
    var exchanges = ExchangePool()
    var gzipEncoders = GzipEncoderPool()
    /// Listeners taken out of epoll after accept ran out of file descriptors; back next tick.
    var pausedListeners: [ListenerInfo] = []
    var idleNaps: IdleNaps
    /// A downstream connection whose descriptor is this high or higher is closed at once: the
    /// descriptors above stay for the admin listener and upstream connections. The kernel
    /// hands out the lowest free number, so the check is process-wide without counting.
    let downstreamDescriptorCeiling: Int32

    /// One read from a socket, one buffer of a body in flight. Bodies move 128 KiB per system
    /// call: against 32 KiB, a 1 MiB download cost the proxy 234 instead of 290 µs of CPU and
    /// the client fewer, larger reads (../shared/bench 1m, same run). Pages are touched only as
    /// bytes arrive, so a small exchange still costs a page or two, and idle connections hold
    /// no buffer.
    static let ioBufferBytes = 131_072

    static let lingerTimeout: UInt64 = 2_000

    init(index: Int, state: ProxyState) throws(SystemError) {
        self.index = index
        self.state = state
        self.epoll = try Epoll()
        self.wakeup = try Wakeup()
        self.now = MonotonicClock.milliseconds()
        self.wheel = TimerWheel(now: now)
        let published = state.publisher.current()
        let table = published.snapshot.table
        self.table = table
        self.generation = published.generation
        self.tls = published.snapshot.tls
        self.tlsCoalescing = .allocate(byteCount: 16_384, alignment: 16)
        self.limits = HTTPLimits(table.limits)
        self.idleNaps = IdleNaps(enabled: table.idleNaps)
        self.buffers = BufferPool(bufferSize: max(Worker.ioBufferBytes, limits.maxHeadBytes + 1024))
        self.pathScratch = .allocate(byteCount: max(limits.maxURIBytes, limits.maxHeadBytes) + 64, alignment: 8)
        var seed = (UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &seed) { _ = getrandom($0.baseAddress, 16, 0) }
        self.requestIDState = (seed.0 | 1, seed.1 | 1)
        let openFiles = OpenFileLimit.current()
        self.downstreamDescriptorCeiling = Int32(clamping: openFiles - OpenFileLimit.clientReserve(limit: openFiles))
        epoll.add(wakeup.fd, events: Epoll.edgeReadable, tag: UInt64(UInt32.max))
        state.register(wakeup)
        adoptTable()
    }

    deinit {
        pathScratch.deallocate()
        tlsCoalescing.deallocate()
    }

    /// Runs until drained.
    func run() {
        IdleNaps.allowPreciseNaps()
        while true {
            let count = waitForEvents()
            now = MonotonicClock.milliseconds()
            if state.publisher.generation != generation { refreshTable() }
            for i in 0..<count {
                let event = epoll.events[i]
                dispatch(tag: event.data.u64, events: event.events)
            }
            if wheel.count > 0 { fireTimers() }
            if now >= nextTick { tick() }
            if draining && downstreamCount == 0 { break }
        }
        shutdown()
    }

    /// The next events: those ready now, else those after a nap (`IdleNaps`), else those
    /// that wake the worker from `epoll_wait` before the next timer is due. Naps take at
    /// most a tenth of a millisecond in all, so timers (milliseconds) wait for them here.
    private func waitForEvents() -> Int {
        let timeout = wheel.timeout(now: now, cap: 1000)
        if idleNaps.mayNap(busyConnections: downstreamCount - keptAliveIdle) {
            let ready = epoll.wait(timeoutMilliseconds: 0)
            idleNaps.polled(found: ready > 0)
            if ready > 0 { return ready }
            while idleNaps.shouldNap() {
                IdleNaps.nap()
                let afterNap = epoll.wait(timeoutMilliseconds: 0)
                idleNaps.polled(found: afterNap > 0)
                counters.naps.taken &+= 1
                if afterNap > 0 {
                    counters.naps.withEvents &+= 1
                    return afterNap
                }
            }
        }
        defer { idleNaps.blocked() }
        return epoll.wait(timeoutMilliseconds: timeout)
    }

    private func dispatch(tag: UInt64, events: UInt32) {
        let fd = Int(tag & 0xFFFF_FFFF)
        if fd == Int(UInt32.max) {
            wakeup.drain()
            if state.isDraining && !draining { beginDrain() }
            return
        }
        guard fd < slots.count else { return }
        switch slots[fd] {
        case .empty:
            return
        case .listener(let listener):
            acceptConnections(listener)
        case .downstream(let connection):
            guard connection.tag == tag else { return }
            downstreamEvent(connection, events: events)
        case .upstream(let connection):
            guard connection.tag == tag else { return }
            upstreamEvent(connection, events: events)
        }
    }

    func nextTag(fd: Int32) -> UInt64 {
        serial &+= 1
        return UInt64(UInt32(bitPattern: fd)) | (serial << 32)
    }

    func setSlot(_ fd: Int32, _ slot: Slot) {
        let index = Int(fd)
        if index >= slots.count {
            slots.append(contentsOf: repeatElement(Slot.empty, count: max(index + 1 - slots.count, slots.count)))
        }
        slots[index] = slot
    }

    /// HTTP/2 output that became due; then, once a second: the Date header, metrics and
    /// access-log hand-over.
    private func tick() {
        // Last in the loop's round (after events, timers and the second's work), so that
        // all the output they made goes out before the next wait.
        defer {
            // Flushing one side can make output due on the other (a window update, response
            // bytes): both are emptied before the loop waits again.
            while !http2FlushQueue.isEmpty || !http2UpstreamFlushQueue.isEmpty {
                if !http2FlushQueue.isEmpty { flushQueuedHTTP2() }
                if !http2UpstreamFlushQueue.isEmpty { flushQueuedHTTP2Upstreams() }
            }
        }
        nextTick = nextSecond
        guard now >= nextSecond else { return }
        nextSecond = now + 1000
        nextTick = nextSecond
        dateHeader = Array("Date: \(HTTPDate.format(MonotonicClock.wallSeconds()))\r\n".utf8)
        flushCounters()
        accessLog.handOver(to: state.accessLog)
        if state.isDraining && !draining { beginDrain() }
        resumePausedListeners()
    }

    func flushCounters() {
        counters.activeConnections = downstreamCount
        counters.http2.activeStreams = streamConnections.count
        var delta = counters.takeDelta()
        drainRequestSeries(into: &delta.series)
        state.metrics.add(delta, worker: index)
    }

    /// A new X-Request-ID source (xorshift128+; unpredictable enough for correlation, not a secret).
    func nextRequestID() -> (UInt64, UInt64) {
        func step(_ s: inout (UInt64, UInt64)) -> UInt64 {
            var x = s.0
            let y = s.1
            s.0 = y
            x ^= x << 23
            s.1 = x ^ y ^ (x >> 17) ^ (y >> 26)
            return s.1 &+ y
        }
        return (step(&requestIDState), step(&requestIDState))
    }

    private func shutdown() {
        for listener in listeners { closeListener(listener) }
        listeners.removeAll()
        for endpoint in endpointStates.values {
            for connection in endpoint.idle { closeUpstream(connection) }
            endpoint.idle.removeAll()
            // HTTP/2 connections close once their last stream ends.
            for carrier in endpoint.http2Connections where carrier.http2?.attached == 0 { closeUpstream(carrier) }
        }
        flushCounters()
        accessLog.handOver(to: state.accessLog)
    }
}

extension HTTPLimits {
    /// Clamped to the configuration's bounds again: a `LimitsConfig` built in code has not
    /// been through the config file's checks, and buffers are sized from these numbers.
    init(_ limits: LimitsConfig) {
        let clamp = { (value: Int, largest: Int) in min(max(value, 1), largest) }
        self.init(maxHeadBytes: clamp(limits.maxHeadBytes, LimitsConfig.largestHeadBytes),
                  maxHeaderCount: clamp(limits.maxHeaderCount, LimitsConfig.largestHeaderCount),
                  maxURIBytes: clamp(limits.maxURIBytes, LimitsConfig.largestHeadBytes))
    }
}
