import ApusCore
import ApusHTTP
import ApusNet

/// A proxied exchange in flight: the request head and body going upstream, the response
/// head read and answered, its body coming back; each direction through `Relay`.
extension Worker {
    enum PumpStep {
        case progress
        case blocked
        /// The exchange ended or failed; the connections may be gone.
        case stop
    }

    /// Moves bytes both ways until neither side can make progress.
    func pump(_ connection: DownstreamConnection, _ exchange: Exchange, _ upstream: UpstreamConnection) {
        guard upstream.state == .busy else { return }
        // The client's FIN (or reset) arrives as a downstream event, which pumps: checked once
        // per pump, before any more work for a client that is gone.
        if connection.transport.hangupSeen {
            let action = exchange.machine.handle(.clientHangup, now: now)
            if action != .proceed {
                carryOut(action, connection, exchange)
                return
            }
        }
        var progress = true
        while progress && exchange.upstream === upstream && exchange.machine.stage == .exchanging {
            progress = false
            switch sendRequest(connection, exchange, upstream) {
            case .progress: progress = true
            case .blocked: break
            case .stop: return
            }
            switch receiveResponse(connection, exchange, upstream) {
            case .progress: progress = true
            case .blocked: break
            case .stop: return
            }
        }
    }

    /// Request direction: an interim `100 Continue` for the client first, then the upstream
    /// head and the body, straight from the downstream's input buffer (no copy).
    func sendRequest(_ connection: DownstreamConnection, _ exchange: Exchange, _ upstream: UpstreamConnection) -> PumpStep {
        if exchange.output.remaining > 0 && !upstream.headParsed {
            guard flushOutput(connection, exchange) else { return .stop }
        }
        guard exchange.upstreamHead.remaining > 0 || !exchange.requestBody.isDone else { return .blocked }
        var tally = Relay.Tally()
        let step = Relay.pump(
            ahead: &exchange.upstreamHead, buffer: &connection.input, framing: &exchange.requestBody,
            from: &connection.transport, to: &upstream.transport, buffers: buffers, limit: exchange.maxBodyBytes, tally: &tally)
        if tally.aheadWritten > 0 || tally.bodyWritten > 0 {
            _ = exchange.machine.handle(.requestSent(
                headDone: exchange.upstreamHead.remaining == 0, bodyBytes: tally.bodyWritten, bodyDone: exchange.requestBody.isDone), now: now)
            syncDeadlines(connection, exchange)
        }
        switch step {
        case .progress, .done:
            return tally.moved ? .progress : .blocked
        case .blocked:
            return .blocked
        case .sourceEnded, .sourceFailed:
            // The client left in the middle of its body.
            carryOut(exchange.machine.handle(.clientLeft, now: now), connection, exchange)
        case .sinkFailed:
            upstreamFailed(connection, exchange, .reset)
        case .framingFailed(let error):
            Log.debug("bad request body", ["error": error.description])
            carryOut(exchange.machine.handle(.requestRefused(status: 400), now: now), connection, exchange)
        case .bufferFull:
            Log.debug("bad request body", ["error": "a chunk-size line longer than a buffer"])
            carryOut(exchange.machine.handle(.requestRefused(status: 400), now: now), connection, exchange)
        case .pastLimit:
            carryOut(exchange.machine.handle(.requestRefused(status: 413), now: now), connection, exchange)
        }
        return .stop
    }

    /// Response direction: the head parsed and answered, then the body.
    func receiveResponse(_ connection: DownstreamConnection, _ exchange: Exchange, _ upstream: UpstreamConnection) -> PumpStep {
        if upstream.headParsed { return relayResponseBody(connection, exchange, upstream) }
        var progressed = false
        while true {
            if !upstream.input.isEmpty {
                switch upstream.responseStart.step(upstream.input.readable, requestMethod: exchange.head.method, into: &upstream.head) {
                case .interim(let length):
                    upstream.input.consume(length)
                    continue
                case .final:
                    guard startResponse(connection, exchange, upstream) else { return .stop }
                    return relayResponseBody(connection, exchange, upstream)
                case .failed(let error):
                    Log.warning("invalid upstream response", ["upstream": exchange.runtime!.name, "error": error.description])
                    upstreamFailed(connection, exchange, .invalidResponse)
                    return .stop
                case .tooManyInterimResponses:
                    Log.warning("upstream sent more interim responses than a server does", [
                        "upstream": exchange.runtime!.name, "endpoint": upstream.endpoint.addressText,
                        "count": String(upstream.responseStart.interimResponses),
                    ])
                    upstreamFailed(connection, exchange, .tooManyInterimResponses)
                    return .stop
                case .needMore:
                    break
                }
            }
            var tally = Relay.Tally()
            switch Relay.fill(buffer: &upstream.input, from: &upstream.transport, buffers: buffers, tally: &tally) {
            case .progress:
                progressed = true
                _ = exchange.machine.handle(.responseRead, now: now)
            case .blocked:
                return progressed ? .progress : .blocked
            case let step:
                upstreamReadFailed(connection, exchange, step)
                return .stop
            }
        }
    }

    /// The final response head is complete: the machine decides, the head for the
    /// downstream is written. Returns false when the exchange ended (or became a tunnel).
    private func startResponse(_ connection: DownstreamConnection, _ exchange: Exchange, _ upstream: UpstreamConnection) -> Bool {
        if upstream.endpoint.suspect { upstream.endpoint.succeeded() }
        exchange.upstreamHeaderAt = now
        // Routes with external auth or an error backend (or per-request CORS edits, or a new
        // session's cookie, or a latency to time) only.
        var sessionCookie: UInt64?
        if exchange.ownedResponseEdits != nil {
            if exchange.attemptStartMicros != 0 { observeLatency(exchange, upstream.endpoint) }
            if let backend = exchange.errorBackend, backend.intercepts(upstream.head.status) {
                divertToErrorBackend(connection, exchange, backend, status: upstream.head.status)
                return false
            }
            if exchange.auth != nil { settleAuthCookies(exchange, status: upstream.head.status) }
            sessionCookie = exchange.affinityCookie
        }
        var encoder: GzipEncoder?
        if let policy = exchange.gzipPolicy { encoder = gzipEncoderIfFit(upstream, policy) }
        let action = exchange.machine.handle(
            .responseHead(status: upstream.head.status, framing: upstream.head.framing, compress: encoder != nil), now: now)
        // Only on a response that is passed on: an error page Apus answers instead gets no session.
        if let sessionCookie, action.passesResponseOn {
            addAffinityCookie(connection, exchange, value: sessionCookie)
        }
        switch action {
        case .forwardResponse(let plan):
            upstream.body = plan.bodyCursor
            if plan.compressed {
                writeGzipResponseHead(exchange, upstream)
                exchange.gzip = encoder
            } else {
                writeResponseHead(exchange, upstream, framing: plan.framing)
            }
            responseHeadWritten(exchange, upstream)
            syncDeadlines(connection, exchange)
            return true
        case .startTunnel:
            writeResponseHead(exchange, upstream, framing: .none)
            responseHeadWritten(exchange, upstream)
            startTunnel(connection, exchange, upstream)
            return false
        default:
            if let encoder { gzipEncoders.give(encoder, buffers: buffers) }
            carryOut(action, connection, exchange)
            return false
        }
    }

    @inline(__always)
    private func writeResponseHead(_ exchange: Exchange, _ upstream: UpstreamConnection, framing: HeadSerializer.DownstreamFraming) {
        if let handle = exchange.responseEditsHandle {
            handle._withUnsafeGuaranteedRef { edits in
                edits.withView { edits in
                    HeadSerializer.writeDownstreamResponse(
                        upstream.head, bytes: upstream.input.readable, framing: framing, keepAlive: exchange.machine.keepAlive,
                        downstreamVersion: exchange.head.version, edits: edits, into: &exchange.output.buffer)
                }
            }
        } else {
            HeadSerializer.writeDownstreamResponse(
                upstream.head, bytes: upstream.input.readable, framing: framing, keepAlive: exchange.machine.keepAlive,
                downstreamVersion: exchange.head.version, into: &exchange.output.buffer)
        }
    }

    /// The downstream head is in `output` (plain or compressed): the upstream's head bytes
    /// are done with.
    private func responseHeadWritten(_ exchange: Exchange, _ upstream: UpstreamConnection) {
        upstream.input.consume(upstream.head.headLength)
        upstream.headParsed = true
    }

    /// The response body, from the upstream's input buffer straight to the downstream
    /// (or through the compressor).
    func relayResponseBody(_ connection: DownstreamConnection, _ exchange: Exchange, _ upstream: UpstreamConnection) -> PumpStep {
        if let encoder = exchange.gzip { return relayCompressedBody(connection, exchange, upstream, encoder) }
        var tally = Relay.Tally()
        let step = Relay.pump(
            ahead: &exchange.output, buffer: &upstream.input, framing: &upstream.body,
            from: &upstream.transport, to: &connection.transport, buffers: buffers, tally: &tally)
        noteResponseTally(connection, exchange, tally)
        switch step {
        case .progress: return .progress
        case .blocked: return .blocked
        case .done: responseDone(connection, exchange, upstream)
        case .sinkFailed: closeDownstream(connection)
        case .framingFailed(let error): invalidResponseBody(connection, exchange, error)
        case .sourceEnded, .sourceFailed, .bufferFull, .pastLimit: upstreamReadFailed(connection, exchange, step)
        }
        return .stop
    }

    /// A read from the upstream that ended the exchange: a head or chunk-size line larger
    /// than a buffer is an invalid response; the connection's end before the response's,
    /// or an error, is a reset.
    func upstreamReadFailed(_ connection: DownstreamConnection, _ exchange: Exchange, _ step: Relay.Step) {
        upstreamFailed(connection, exchange, step == .bufferFull ? .invalidResponse : .reset)
    }

    /// The upstream's body framing is broken (chunking).
    func invalidResponseBody(_ connection: DownstreamConnection, _ exchange: Exchange, _ error: HTTPParseError) {
        Log.warning("invalid upstream body", ["upstream": exchange.runtime!.name, "error": error.description])
        upstreamFailed(connection, exchange, .invalidResponse)
    }

    /// What a response relay moved: bytes counted, the machine told of reads (the body's
    /// read timeout) and writes (the downstream's send timeout).
    @inline(__always)
    func noteResponseTally(_ connection: DownstreamConnection, _ exchange: Exchange, _ tally: Relay.Tally) {
        exchange.bytesSent += tally.aheadWritten + tally.bodyWritten
        if tally.read > 0 { _ = exchange.machine.handle(.responseRead, now: now) }
        if tally.aheadWritten > 0 || tally.bodyWritten > 0 || tally.sinkBlocked {
            _ = exchange.machine.handle(.downstreamWrote(blocked: tally.sinkBlocked), now: now)
        }
        if tally.moved || tally.sinkBlocked { syncDeadlines(connection, exchange) }
    }

    /// Body complete both ways: the machine says where the connections go.
    func responseDone(_ connection: DownstreamConnection, _ exchange: Exchange, _ upstream: UpstreamConnection) {
        let reusable = !upstream.head.connectionClose && upstream.input.isEmpty && upstream.body.mode != .untilClose
        let action = exchange.machine.handle(
            .responseDone(upstreamReusable: reusable, inputPending: !connection.input.isEmpty, draining: draining), now: now)
        carryOut(action, connection, exchange)
    }

    /// Sends pending `output` bytes downstream; false when the connection closed.
    func flushOutput(_ connection: DownstreamConnection, _ exchange: Exchange) -> Bool {
        var tally = Relay.Tally()
        while exchange.output.remaining > 0 {
            switch Relay.drain(ahead: &exchange.output, nil, 0, to: &connection.transport, tally: &tally) {
            case .progress: continue
            case .blocked: break
            case .sinkFailed:
                closeDownstream(connection)
                return false
            }
            break
        }
        exchange.bytesSent += tally.aheadWritten
        if tally.aheadWritten > 0 || tally.sinkBlocked { noteDownstreamWrite(connection, exchange, blocked: tally.sinkBlocked) }
        return true
    }
}
