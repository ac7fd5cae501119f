import ApusCore
import ApusHTTP
import ApusHTTP2
import ApusNet

/// HTTP/2 downstream connections: the session fed from the socket, each request stream
/// started as an exchange on a stream connection (`HTTP2StreamPipe`), the session's
/// output written back, GOAWAY on drain and idleness.
extension Worker {
    /// The client preface of HTTP/2 with prior knowledge (RFC 9113 §3.4).
    static let http2Preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    /// Turns a connection HTTP/2: after ALPN chose `h2`, or when a plaintext listener that
    /// takes h2c read the preface. Bytes already read stay in the input for the session.
    func startHTTP2(_ connection: DownstreamConnection) {
        releaseExchange(connection)
        // No stream yet: idle, as a kept-alive HTTP/1.1 connection between requests.
        markWaitingForNextRequest(connection, true)
        guard let h2 = try? HTTP2Downstream(settings: HTTP2Settings(table.http2), connection: connection, worker: self) else {
            Log.warning("cannot create an HTTP/2 session; connection closed", ["listener": connection.listener.name])
            closeDownstream(connection)
            return
        }
        connection.http2 = h2
        connection.phase = .http2
        counters.http2.connections += 1
        startHTTP2Idle(h2)
        connection.transport.readable = true
        driveHTTP2(connection)
    }

    var http2IdleTimeout: UInt64 { UInt64(table.http2.idleTimeout ?? table.timeouts.keepAliveIdle) }

    /// How long an HTTP/2 connection is idle before its session hands memory back. Not at
    /// once: a client between two calls would pay for the page faults on every call.
    static let http2MemoryReleaseDelay: UInt64 = 1_000

    /// The connection has no stream open: it closes after the idle timeout, and its session
    /// releases memory a moment into it.
    func startHTTP2Idle(_ h2: HTTP2Downstream) {
        h2.wroteSinceDeadline = false
        h2.idleSince = now
        h2.memoryReleaseDue = http2IdleTimeout > Self.http2MemoryReleaseDelay
        setDeadline(h2.connection, now + (h2.memoryReleaseDue ? Self.http2MemoryReleaseDelay : http2IdleTimeout))
    }

    /// Whether the bytes a plaintext h2c listener read start with the HTTP/2 preface
    /// (`.partly`: they are the start of it, and more must be read to know).
    func http2Preface(_ connection: DownstreamConnection) -> PrefaceMatch {
        guard connection.listener.http2, !connection.listener.isTLS, connection.requestCount == 0 else { return .no }
        let readable = connection.input.readable
        let count = min(readable.count, Self.http2Preface.count)
        guard readable.prefix(count).elementsEqual(Self.http2Preface.prefix(count)) else { return .no }
        return count == Self.http2Preface.count ? .yes : .partly
    }

    enum PrefaceMatch { case yes, partly, no }

    /// Reads what the socket has into the session, acts on what it found, and writes the
    /// session's answer.
    func driveHTTP2(_ connection: DownstreamConnection) {
        guard let h2 = connection.http2 else { return }
        while connection.http2 != nil {
            if !connection.input.isEmpty {
                let failure = h2.session.receive(connection.input.readable)
                connection.input.consume(connection.input.readableCount)
                handleHTTP2Events(connection, h2)
                if let failure {
                    // A protocol error or a flood: libnghttp2 queued its GOAWAY; it goes out
                    // and the connection closes.
                    Log.debug("HTTP/2 connection error", ["listener": connection.listener.name, "error": failure.description])
                    counters.http2.connectionErrors += 1
                    h2.goingAway = true
                    flushHTTP2(connection)
                    closeDownstream(connection)
                    return
                }
                continue
            }
            guard connection.transport.readable else { break }
            buffers.acquire(into: &connection.input)
            switch connection.transport.read(into: &connection.input) {
            case .bytes:
                continue
            case .wouldBlock:
                break
            case .endOfStream, .failed:
                closeDownstream(connection)
                return
            }
        }
        // Everything read went into the session: an idle connection holds no buffer.
        if connection.input.isEmpty { buffers.release(&connection.input) }
        flushHTTP2(connection)
    }

    /// Acts on what the session found. Streams are driven once the whole batch is applied,
    /// so that an exchange starts with the body and end the same read brought (a request
    /// answered at once then ends whole, and a bodiless one is not sent on as chunked).
    func handleHTTP2Events(_ connection: DownstreamConnection, _ h2: HTTP2Downstream) {
        var events = h2.session.takeEvents()
        Self.markBodiless(&events)
        var touched: [DownstreamConnection] = []
        for event in events {
            guard connection.http2 === h2 else { return }
            switch event {
            case .request(let head):
                if let stream = openStream(connection, h2, head) { mark(stream, &touched) }
            case .refused(let streamID, let status):
                _ = h2.session.respond(streamID: streamID, status: status, fields: [], endStream: true)
            case .data(let streamID, let bytes):
                guard let stream = h2.streams[streamID], let pipe = stream.transport.layer as? HTTP2StreamPipe else {
                    // The exchange is over: the bytes are dropped and the window stays open.
                    h2.session.consumed(streamID: streamID, count: bytes.count)
                    continue
                }
                pipe.appendBody(bytes)
                stream.transport.readable = true
                mark(stream, &touched)
            case .trailers(let streamID, let fields):
                guard let stream = h2.streams[streamID], let pipe = stream.transport.layer as? HTTP2StreamPipe else { continue }
                pipe.endBody(trailers: fields)
            case .endOfRequest(let streamID):
                guard let stream = h2.streams[streamID], let pipe = stream.transport.layer as? HTTP2StreamPipe else { continue }
                pipe.endBody()
                stream.transport.readable = true
                mark(stream, &touched)
            case .streamClosed(let streamID, _):
                // Reset by the client (or by libnghttp2 for a protocol error), or closed once
                // both sides ended.
                guard let stream = h2.streams[streamID] else { continue }
                if let pipe = stream.transport.layer as? HTTP2StreamPipe { pipe.failed = true }
                closeDownstream(stream)
            case .goaway:
                h2.goingAway = true
            }
        }
        for stream in touched {
            // Still open: an earlier stream's exchange may have closed the connection.
            guard connection.http2 === h2, let pipe = stream.transport.layer as? HTTP2StreamPipe else { continue }
            pipe.awaitsDrive = false
            driveDownstream(stream)
        }
    }

    /// Lists a stream to be driven after the batch, once.
    private func mark(_ stream: DownstreamConnection, _ touched: inout [DownstreamConnection]) {
        guard let pipe = stream.transport.layer as? HTTP2StreamPipe, !pipe.awaitsDrive else { return }
        pipe.awaitsDrive = true
        touched.append(stream)
    }

    /// A request head whose END_STREAM came in the same batch with no body before it is a
    /// bodiless request (some clients end a GET with an empty DATA frame).
    static func markBodiless(_ events: inout [HTTP2Event]) {
        // One pass: the request heads still waiting for their END_STREAM with no body yet.
        var waiting = HTTP2StreamMap<Int>()
        for index in events.indices {
            switch events[index] {
            case .request(let head) where !head.endStream:
                waiting[head.streamID] = index
            case .data(let id, let bytes) where !bytes.isEmpty:
                waiting[id] = nil
            case .trailers(let id, _):
                waiting[id] = nil
            case .endOfRequest(let id):
                guard let start = waiting.removeValue(forKey: id), case .request(var head) = events[start] else { continue }
                head.endStream = true
                events[start] = .request(head)
            default:
                continue
            }
        }
    }

    /// A request stream becomes an exchange on a connection of its own.
    /// Not driven yet: `handleHTTP2Events` drives it once the batch is applied.
    private func openStream(_ connection: DownstreamConnection, _ h2: HTTP2Downstream, _ head: HTTP2RequestHead) -> DownstreamConnection? {
        if h2.goingAway || draining {
            h2.session.reset(streamID: head.streamID, errorCode: 7)  // REFUSED_STREAM: safe to retry
            return nil
        }
        let pipe = HTTP2StreamPipe(owner: h2, head: head, webSocketKey: head.isWebSocket ? nextRequestID() : (0, 0), now: now)
        let fd = nextStreamDescriptor()
        var transport = Transport(fd: fd, readable: true, writable: true, noDelaySet: true)
        transport.layer = pipe
        let stream = DownstreamConnection(transport: transport, tag: nextTag(fd: fd), listener: connection.listener,
                                          peer: connection.peer, address: connection.address)
        h2.streams[head.streamID] = stream
        streamConnections[fd] = stream
        counters.http2.streams += 1
        connection.deadline.at = 0
        markWaitingForNextRequest(connection, false)
        setDeadline(stream, now + UInt64(table.timeouts.headerRead))
        return stream
    }

    /// A descriptor number for a stream connection, downstream or upstream: negative, so
    /// it never names a slot.
    func nextStreamDescriptor() -> Int32 {
        var fd: Int32
        repeat {
            streamSerial = streamSerial &+ 1
            fd = Int32(bitPattern: 0x8000_0000 | (streamSerial & 0x7FFF_FFFF))
        } while streamConnections[fd] != nil || upstreamStreams[fd] != nil
        return fd
    }

    /// A stream's exchange ended or was abandoned: the stream ends (reset unless both sides
    /// finished) and its connection goes.
    func closeStream(_ stream: DownstreamConnection) {
        guard streamConnections.removeValue(forKey: stream.fd) != nil, let pipe = stream.transport.layer as? HTTP2StreamPipe else { return }
        let h2 = pipe.owner
        abandonExchange(stream)
        stream.deadline.at = 0
        markWaitingForNextRequest(stream, false)
        h2.streams[pipe.streamID] = nil
        if !pipe.failed && !pipe.responseComplete {
            // A response cut short must not look whole.
            h2.session.reset(streamID: pipe.streamID, errorCode: 2)
        } else if !pipe.failed && !pipe.requestEnded {
            // A whole response to a request still sending (RFC 9113 §8.1).
            h2.session.stopReceiving(streamID: pipe.streamID)
        }
        pipe.failed = true
        stream.transport.close()
        h2.needsFlush()
        if h2.streams.isEmpty && h2.connection.http2 === h2 {
            startHTTP2Idle(h2)
            markWaitingForNextRequest(h2.connection, true)
        }
    }

    /// The HTTP/2 connection closes: its streams go with it.
    func closeHTTP2Streams(_ h2: HTTP2Downstream) {
        for stream in h2.streams.allValues {
            if let pipe = stream.transport.layer as? HTTP2StreamPipe { pipe.failed = true }
            closeStream(stream)
        }
    }

    /// Output became due on an HTTP/2 connection outside its own events (an upstream's
    /// response, a timer): flushed once the events at hand are handled.
    func flushLater(_ connection: DownstreamConnection) {
        http2FlushQueue.append(connection)
        nextTick = 0
    }

    /// Flushes the HTTP/2 connections whose streams wrote since the last pass.
    func flushQueuedHTTP2() {
        while !http2FlushQueue.isEmpty {
            let due = http2FlushQueue
            http2FlushQueue.removeAll(keepingCapacity: true)
            for connection in due where connection.http2 != nil { flushHTTP2(connection) }
        }
    }

    /// Writes what the session has to say, as far as the socket takes it, then lets
    /// streams that waited for room write again.
    func flushHTTP2(_ connection: DownstreamConnection) {
        guard let h2 = connection.http2 else { return }
        h2.flushed()
        let session = h2.session
        switch h2.output.flush(&connection.transport, keepBuffer: !h2.streams.isEmpty, next: { session.nextOutput() }) {
        case .drained(let wrote):
            if wrote { h2.wroteSinceDeadline = true }
        case .blocked(let wrote):
            if wrote { h2.wroteSinceDeadline = true }
            return
        case .sessionFailed(let error):
            Log.debug("HTTP/2 session failed", ["error": error.description])
            closeDownstream(connection)
            return
        case .closed:
            closeDownstream(connection)
            return
        }
        if !h2.waitingForRoom.isEmpty {
            let waiting = h2.waitingForRoom
            h2.waitingForRoom.removeAll()
            for pipe in waiting {
                guard let stream = h2.streams[pipe.streamID] else { continue }
                if h2.session.queuedBytes(streamID: pipe.streamID) >= HTTP2StreamPipe.queueLimit
                    || h2.session.totalQueuedBytes >= HTTP2Downstream.queueLimit {
                    h2.waitingForRoom.append(pipe)
                    continue
                }
                stream.transport.writable = true
                driveDownstream(stream)
            }
        }
        // Streams libnghttp2 closed itself while sending (a reset it queued went out).
        if h2.session.hasEvents && connection.http2 === h2 { handleHTTP2Events(connection, h2) }
        // After a GOAWAY either way, libnghttp2 is finished once the last stream closed,
        // which is once its response went out whole (flow control may hold it after the
        // exchange handed it over).
        if connection.http2 === h2 && h2.session.isFinished && h2.output.isEmpty {
            closeDownstream(connection)
        }
    }

    /// Ends an HTTP/2 connection gracefully: a GOAWAY names the last stream taken, those
    /// finish, and the connection closes after the last.
    func goAway(_ connection: DownstreamConnection) {
        guard let h2 = connection.http2, !h2.goingAway else { return }
        h2.goingAway = true
        h2.session.goAway()
        counters.http2.goAways += 1
        flushHTTP2(connection)
    }

    /// A stream connection's timer entry (its descriptor is not a slot).
    func streamTimerFired(_ entry: TimerWheel.Entry) {
        let fd = Int32(truncatingIfNeeded: entry.tag & 0xFFFF_FFFF)
        if let upstream = upstreamStreams[fd] {
            guard upstream.tag == entry.tag, upstream.deadline.fired(entryAt: entry.at, now: now, tag: entry.tag, in: &wheel) else { return }
            http2StreamTimedOut(upstream)
            upstreamTimedOut(upstream)
            return
        }
        guard let stream = streamConnections[fd], stream.tag == entry.tag,
              stream.deadline.fired(entryAt: entry.at, now: now, tag: entry.tag, in: &wheel) else { return }
        downstreamTimedOut(stream)
    }
}

extension HTTP2Settings {
    /// The session settings of the `http2:` section.
    init(_ config: HTTP2Config) {
        self.init()
        maxConcurrentStreams = UInt32(clamping: config.maxConcurrentStreams)
        initialWindowSize = UInt32(clamping: config.initialWindowSize)
        maxHeaderListSize = UInt32(clamping: config.maxHeaderListSize)
        headerTableSize = UInt32(clamping: config.headerTableSize)
    }
}
