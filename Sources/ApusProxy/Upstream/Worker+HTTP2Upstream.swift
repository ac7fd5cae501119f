import ApusCore
import ApusHTTP2
import ApusNet

/// Upstreams that speak HTTP/2 (`protocol: h2`): each request is a stream multiplexed on a
/// pooled connection, h2c with prior knowledge or TLS with ALPN h2. A connection takes
/// streams up to the upstream's SETTINGS_MAX_CONCURRENT_STREAMS; past that, or after its
/// GOAWAY, another one is opened. Streams the upstream refused unprocessed go again
/// (`ExchangeMachine.Failure.refused`).
extension Worker {
    /// Attaches the exchange to a new stream on a connection to the endpoint that takes one,
    /// opening a connection when none does. The request already counts on the endpoint
    /// (`attachConnection`).
    func attachHTTP2Stream(_ connection: DownstreamConnection, _ exchange: Exchange, endpoint index: Int) {
        let runtime = exchange.runtime!
        let endpoint = runtime.endpoints[index]
        /// The request fails before any stream is made, as a connect would.
        func failBeforeStream(_ failure: ExchangeMachine.Failure) {
            endpoint.activeRequests -= 1
            _ = exchange.machine.handle(.attached(endpoint: index, reused: false), now: now)
            upstreamFailed(connection, exchange, failure)
        }
        guard !exchange.head.isUpgrade else {
            // A WebSocket would need an extended CONNECT to the upstream, which Apus does not
            // send: refused without blaming the endpoint.
            Log.warning("an Upgrade request (a WebSocket, h2c) cannot go to an HTTP/2 upstream", ["upstream": runtime.name])
            failBeforeStream(.invalidResponse)
            return
        }
        if let deadline = callDeadline(connection) {
            exchange.machine.bound(by: max(deadline, 1))
            if deadline == 0 {
                // The call's deadline passed (during an earlier attempt): answered at once,
                // DEADLINE_EXCEEDED, nothing sent and no endpoint blamed.
                failBeforeStream(.connectTimeout)
                return
            }
        }
        let carrier: UpstreamConnection
        if let open = endpoint.http2Connections.first(where: { $0.http2!.takesStream }) {
            carrier = open
        } else {
            switch openHTTP2Connection(endpoint, connectTimeout: runtime.connectTimeout) {
            case .opened(let opened):
                carrier = opened
            case .failed(let failure):
                failBeforeStream(failure)
                return
            }
        }
        let h2 = carrier.http2!
        let pipe = HTTP2UpstreamStreamPipe(owner: h2, readsAtAttach: h2.reads)
        let fd = nextStreamDescriptor()
        var transport = Transport(fd: fd, readable: false, writable: true, noDelaySet: true)
        transport.layer = pipe
        let stream = UpstreamConnection(transport: transport, tag: nextTag(fd: fd), endpoint: endpoint)
        pipe.stream = stream
        upstreamStreams[fd] = stream
        h2.attached += 1
        counters.http2.upstreamStreams += 1
        if h2.ready { carrier.deadline.at = 0 }
        attach(stream, exchange, connection)
        // A stream on a connection already made is `reused`: that connection may close
        // under it before any answer (a keep-alive race), and the request then goes once
        // more; the machine allows that once per request.
        if h2.ready {
            stream.state = .busy
            exchange.upstreamConnectedAt = now
            carryOut(exchange.machine.handle(.attached(endpoint: index, reused: true), now: now), connection, exchange)
        } else {
            stream.state = .connecting
            exchange.upstreamConnectedAt = 0
            h2.waiting.append(stream)
            _ = exchange.machine.handle(.attached(endpoint: index, reused: false), now: now)
            syncDeadlines(connection, exchange)
        }
    }

    private enum Opening {
        case opened(UpstreamConnection)
        case failed(ExchangeMachine.Failure)
    }

    /// A new connection to an HTTP/2 endpoint, connecting.
    private func openHTTP2Connection(_ endpoint: EndpointState, connectTimeout: UInt64) -> Opening {
        switch Sockets.connect(endpoint.socketAddress, receiveBufferBytes: endpoint.receiveBufferBytes) {
        case .failed(let code) where Sockets.isLocalShortage(code):
            Log.warning("no socket for an upstream connection; the endpoint is not blamed", ["endpoint": endpoint.addressText, "error": Posix.describe(code)])
            return .failed(.localResources)
        case .failed:
            return .failed(.connectRefused)
        case .inProgress(let fd), .connected(let fd):
            let carrier = UpstreamConnection(
                transport: Transport(fd: fd, readable: false, writable: false, noDelaySet: true), tag: nextTag(fd: fd), endpoint: endpoint)
            guard let h2 = try? HTTP2Upstream(connection: carrier, worker: self, tls: endpoint.tls != nil) else {
                carrier.transport.close()
                return .failed(.localResources)
            }
            carrier.http2 = h2
            setSlot(fd, .upstream(carrier))
            carrier.transport.register(in: epoll, tag: carrier.tag)
            endpoint.http2Connections.append(carrier)
            counters.http2.upstreamConnections += 1
            setDeadline(carrier, now + connectTimeout)
            return .opened(carrier)
        }
    }

    /// An event on a connection to an HTTP/2 upstream.
    func http2UpstreamEvent(_ carrier: UpstreamConnection, _ h2: HTTP2Upstream, events: UInt32) {
        switch carrier.state {
        case .connecting:
            guard carrier.transport.writable || events & Epoll.error != 0 else { return }
            if Sockets.connectResult(carrier.fd) != 0 {
                failHTTP2Connection(carrier, h2, .connectRefused)
                return
            }
            carrier.transport.writable = true
            if let context = carrier.endpoint.tls {
                guard beginTLS(carrier, context, serverName: carrier.endpoint.address.resolvedFrom ?? carrier.endpoint.address.host) else {
                    failHTTP2Connection(carrier, h2, .tlsHandshake)
                    return
                }
                continueHTTP2Handshake(carrier, h2)
                return
            }
            http2ConnectionReady(carrier, h2)
        case .handshaking:
            continueHTTP2Handshake(carrier, h2)
        case .busy, .idle:
            driveHTTP2Upstream(carrier, h2)
        }
    }

    private func continueHTTP2Handshake(_ carrier: UpstreamConnection, _ h2: HTTP2Upstream) {
        switch carrier.transport.handshake() {
        case .done:
            guard carrier.transport.tls?.negotiatedHTTP2 == true else {
                Log.warning("upstream TLS handshake failed", ["endpoint": carrier.endpoint.addressText, "reason": "the upstream did not choose h2 by ALPN"])
                failHTTP2Connection(carrier, h2, .tlsHandshake)
                return
            }
            http2ConnectionReady(carrier, h2)
        case .wantRead, .wantWrite:
            return
        case .failed(let reason):
            Log.warning("upstream TLS handshake failed", ["endpoint": carrier.endpoint.addressText, "reason": reason])
            failHTTP2Connection(carrier, h2, .tlsHandshake)
        }
    }

    /// Connected: the preface and SETTINGS go, and the streams that waited send.
    private func http2ConnectionReady(_ carrier: UpstreamConnection, _ h2: HTTP2Upstream) {
        carrier.state = .busy
        carrier.deadline.at = 0
        // Every stream that waited may have left during the handshake: then it idles.
        if h2.attached == 0 { setDeadline(carrier, now + UInt64(carrier.endpoint.idleTimeoutMilliseconds)) }
        h2.ready = true
        carrier.transport.readable = true
        carrier.transport.writable = true
        let waiting = h2.waiting
        h2.waiting.removeAll()
        for stream in waiting {
            guard let exchange = stream.exchange, let connection = exchange.downstream else { continue }
            stream.state = .busy
            exchange.upstreamConnectedAt = now
            // The wait for the answer has what the connect left of the call's deadline.
            if let deadline = callDeadline(connection) { exchange.machine.bound(by: max(deadline, 1)) }
            carryOut(exchange.machine.handle(.connected, now: now), connection, exchange)
        }
        driveHTTP2Upstream(carrier, h2)
    }

    /// The connection could not be made: its waiting streams fail as a connect does (and
    /// may go to another endpoint).
    private func failHTTP2Connection(_ carrier: UpstreamConnection, _ h2: HTTP2Upstream, _ failure: ExchangeMachine.Failure) {
        h2.stopTakingStreams()
        let waiting = h2.waiting
        h2.waiting.removeAll()
        for stream in waiting {
            guard let exchange = stream.exchange, let connection = exchange.downstream else { continue }
            upstreamFailed(connection, exchange, failure)
        }
        closeHTTP2Connection(carrier)
    }

    /// A stream timed out: when its connection received nothing since the stream was
    /// attached, the connection may be dead (a silent NAT or firewall drop) and takes no
    /// more streams; those in flight end on their own timeouts. A gRPC call's own deadline
    /// passing says nothing about the connection.
    func http2StreamTimedOut(_ stream: UpstreamConnection) {
        guard let pipe = stream.transport.layer as? HTTP2UpstreamStreamPipe, pipe.owner.reads == pipe.readsAtAttach,
              stream.exchange?.machine.timesOutOnCallDeadline != true else { return }
        pipe.owner.stopTakingStreams()
    }

    /// Reads what the socket has into the session, acts on what it found, and writes the
    /// session's answer.
    private func driveHTTP2Upstream(_ carrier: UpstreamConnection, _ h2: HTTP2Upstream) {
        while carrier.http2 != nil {
            if !carrier.input.isEmpty {
                let failure = h2.session.receive(carrier.input.readable)
                carrier.input.consume(carrier.input.readableCount)
                handleHTTP2UpstreamEvents(carrier, h2)
                if let failure {
                    Log.warning("HTTP/2 upstream connection error", ["endpoint": carrier.endpoint.addressText, "error": failure.description])
                    flushHTTP2Upstream(carrier)
                    closeHTTP2Connection(carrier)
                    return
                }
                continue
            }
            guard carrier.transport.readable else { break }
            buffers.acquire(into: &carrier.input)
            switch carrier.transport.read(into: &carrier.input) {
            case .bytes:
                h2.reads &+= 1
                continue
            case .wouldBlock:
                break
            case .endOfStream, .failed:
                closeHTTP2Connection(carrier)
                return
            }
        }
        if carrier.input.isEmpty { buffers.release(&carrier.input) }
        flushHTTP2Upstream(carrier)
    }

    /// Hands what the session found to the streams, then drives their exchanges once.
    private func handleHTTP2UpstreamEvents(_ carrier: UpstreamConnection, _ h2: HTTP2Upstream) {
        var touched: [UpstreamConnection] = []
        func pipe(_ streamID: Int32) -> HTTP2UpstreamStreamPipe? {
            guard let stream = h2.streams[streamID], let pipe = stream.transport.layer as? HTTP2UpstreamStreamPipe else { return nil }
            if !pipe.awaitsDrive {
                pipe.awaitsDrive = true
                touched.append(stream)
            }
            return pipe
        }
        for event in h2.session.takeEvents() {
            switch event {
            case .interim(let id, let status):
                pipe(id)?.interim(status: status)
            case .response(let id, let status, let fields, let endStream):
                guard let pipe = pipe(id) else { continue }
                pipe.responseHead(status: status, fields: fields, endStream: endStream)
                if let exchange = pipe.stream.exchange, exchange.machine.readBoundByCall {
                    exchange.machine.readBody(within: exchange.runtime!.terms.readTimeout)
                }
            case .data(let id, let bytes):
                if let pipe = pipe(id) { pipe.data(bytes) } else { h2.session.consumed(streamID: id, count: bytes.count) }
            case .trailers(let id, let fields):
                pipe(id)?.end(trailers: fields)
            case .endOfResponse(let id):
                pipe(id)?.end()
            case .streamClosed(let id, let errorCode):
                pipe(id)?.streamClosed(errorCode: errorCode)
            case .goaway:
                // Streams above its last stream id are closed as refused by libnghttp2.
                h2.stopTakingStreams()
            }
        }
        for stream in touched {
            guard let pipe = stream.transport.layer as? HTTP2UpstreamStreamPipe else { continue }
            pipe.awaitsDrive = false
            guard let exchange = stream.exchange, let connection = exchange.downstream else { continue }
            stream.transport.readable = true
            if pipe.refused {
                upstreamFailed(connection, exchange, .refused)
            } else {
                driveExchange(connection, exchange)
            }
        }
    }

    /// Output became due on a connection to an HTTP/2 upstream (a stream wrote, a window
    /// reopened): flushed once the events at hand are handled.
    func flushUpstreamLater(_ carrier: UpstreamConnection) {
        http2UpstreamFlushQueue.append(carrier)
        nextTick = 0
    }

    func flushQueuedHTTP2Upstreams() {
        while !http2UpstreamFlushQueue.isEmpty {
            let due = http2UpstreamFlushQueue
            http2UpstreamFlushQueue.removeAll(keepingCapacity: true)
            for carrier in due where carrier.http2 != nil { flushHTTP2Upstream(carrier) }
        }
    }

    /// Writes what the session has to say, as far as the socket takes it, then lets streams
    /// that waited for room write again.
    private func flushHTTP2Upstream(_ carrier: UpstreamConnection) {
        guard let h2 = carrier.http2 else { return }
        h2.flushed()
        guard h2.ready else { return }
        let session = h2.session
        switch h2.output.flush(&carrier.transport, keepBuffer: h2.attached > 0, next: { session.nextOutput() }) {
        case .drained:
            break
        case .blocked:
            return
        case .sessionFailed(let error):
            Log.warning("HTTP/2 upstream session failed", ["endpoint": carrier.endpoint.addressText, "error": error.description])
            closeHTTP2Connection(carrier)
            return
        case .closed:
            closeHTTP2Connection(carrier)
            return
        }
        if !h2.waitingForRoom.isEmpty {
            let waiting = h2.waitingForRoom
            h2.waitingForRoom.removeAll()
            for pipe in waiting {
                if pipe.streamID != 0 && h2.session.queuedBytes(streamID: pipe.streamID) >= HTTP2UpstreamStreamPipe.queueLimit {
                    h2.waitingForRoom.append(pipe)
                    continue
                }
                // Looked up, not taken from the pipe: driving one exchange may close another.
                guard !pipe.failed, let stream = h2.streams[pipe.streamID], let exchange = stream.exchange,
                      let connection = exchange.downstream else { continue }
                stream.transport.writable = true
                driveExchange(connection, exchange)
            }
        }
        // Streams libnghttp2 closed itself while sending (a reset it queued went out).
        if carrier.http2 === h2 && h2.session.hasEvents { handleHTTP2UpstreamEvents(carrier, h2) }
        if carrier.http2 === h2 && h2.attached == 0 && (h2.goingAway || h2.session.isFinished || carrier.endpoint.retired || draining) {
            closeHTTP2Connection(carrier)
        }
    }

    /// A stream's exchange let go of it: it ends (reset unless both sides finished).
    func closeUpstreamStream(_ stream: UpstreamConnection) {
        guard upstreamStreams.removeValue(forKey: stream.fd) != nil, let pipe = stream.transport.layer as? HTTP2UpstreamStreamPipe else { return }
        let h2 = pipe.owner
        if pipe.streamID != 0 {
            h2.streams[pipe.streamID] = nil
            if !pipe.isFinished && !pipe.failed { h2.session.reset(streamID: pipe.streamID) }
        }
        h2.waiting.removeAll { $0 === stream }
        h2.waitingForRoom.removeAll { $0 === pipe }
        h2.attached -= 1
        pipe.failed = true
        stream.deadline.at = 0
        stream.exchange = nil
        buffers.release(&stream.input)
        stream.transport.close()
        guard let carrier = h2.connection, carrier.http2 === h2 else { return }
        h2.needsFlush()
        if h2.attached == 0 && h2.ready {
            // Idle: closed after the endpoint's keep-alive idle time, as a pooled connection.
            setDeadline(carrier, now + UInt64(carrier.endpoint.idleTimeoutMilliseconds))
        }
    }

    /// The connection closes: streams still on it end. What arrived on them is still read;
    /// then a response that was not whole reads as a reset, and a stream still waiting for
    /// the connection fails as a connect does.
    func closeHTTP2Connection(_ carrier: UpstreamConnection) {
        guard let h2 = carrier.http2 else { return }
        h2.stopTakingStreams()
        carrier.http2 = nil
        let streams = h2.streams.allValues + h2.waiting
        h2.waiting.removeAll()
        for stream in streams {
            guard let pipe = stream.transport.layer as? HTTP2UpstreamStreamPipe else { continue }
            // What arrived stays readable: a response that ended before the connection did is
            // still whole (a server that closes after its last answer).
            pipe.streamClosed(errorCode: 0)
            guard let exchange = stream.exchange, let connection = exchange.downstream else { continue }
            stream.transport.readable = true
            if stream.state == .connecting {
                upstreamFailed(connection, exchange, .connectRefused)
            } else {
                driveExchange(connection, exchange)
            }
        }
        closeUpstream(carrier)
    }

    /// A deadline of a connection to an HTTP/2 upstream: its connect (or handshake) took
    /// too long, or it was idle for the endpoint's keep-alive idle time.
    func http2ConnectionTimedOut(_ carrier: UpstreamConnection, _ h2: HTTP2Upstream) {
        if !h2.ready {
            failHTTP2Connection(carrier, h2, .connectTimeout)
        } else if h2.attached == 0 {
            closeHTTP2Connection(carrier)
        }
    }
}
