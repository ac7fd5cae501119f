import ApusCore
import ApusHTTP
import ApusNet

extension Worker {
    /// Request direction: the serialized head, then body bytes straight from the
    /// downstream's input buffer (no copy), reading more only when all framed bytes left.
    func sendRequest(_ connection: DownstreamConnection, _ upstream: UpstreamConnection) -> PumpStep {
        var progressed = false
        while true {
            if connection.outputSent < connection.output.count && !upstream.headParsed {
                // An interim `100 Continue` for the client.
                if !flushOutput(connection) { return .stop }
            }
            if let error = connection.requestBody.refill(&connection.input) {
                Log.debug("bad request body", ["error": error.description])
                connection.keepAlive = false
                failExchange(connection, status: 400)
                return .stop
            }
            if connection.maxBodyBytes > 0 && connection.requestBody.payloadBytes > connection.maxBodyBytes {
                connection.keepAlive = false
                failExchange(connection, status: 413)
                return .stop
            }
            let headLeft = connection.upstreamHead.count - connection.upstreamHeadSent
            let bodyCount = connection.requestBody.sendable
            if headLeft == 0 && bodyCount == 0 {
                if connection.requestBody.isDone { return progressed ? .progress : .blocked }
                guard connection.readable else { return progressed ? .progress : .blocked }
                buffers.acquire(into: &connection.input)
                connection.input.compact()
                let room = connection.input.freeCount
                switch connection.read(connection.input.writePointer, room) {
                case .bytes(let n):
                    connection.input.writeIndex += n
                    if n < room && connection.shortReadDrains { connection.readable = false }
                    progressed = true
                    continue
                case .wouldBlock:
                    connection.readable = false
                    return progressed ? .progress : .blocked
                case .endOfStream, .failed:
                    // The client left in the middle of its body.
                    closeDownstream(connection)
                    return .stop
                }
            }
            guard upstream.writable else { return progressed ? .progress : .blocked }
            let result = connection.upstreamHead.withUnsafeBytes { head in
                upstream.writev2(
                    head.baseAddress! + connection.upstreamHeadSent, headLeft,
                    connection.input.base.map { UnsafeRawPointer($0 + connection.input.readIndex) } ?? head.baseAddress!, bodyCount)
            }
            switch result {
            case .bytes(var n):
                if n < headLeft + bodyCount && upstream.shortWriteFills { upstream.writable = false }
                let fromHead = min(n, headLeft)
                connection.upstreamHeadSent += fromHead
                n -= fromHead
                if n > 0 {
                    connection.input.consume(n)
                    connection.requestBody.sent(n)
                    connection.requestBodyBytesSent += Int64(n)
                }
                progressed = true
                let runtime = connection.runtime!
                setDeadline(upstream, now + (connection.requestBody.isDone ? runtime.readTimeout : runtime.sendTimeout))
            case .wouldBlock:
                upstream.writable = false
                return progressed ? .progress : .blocked
            case .endOfStream, .failed:
                upstreamBroke(connection, upstream, kind: .reset)
                return .stop
            }
        }
    }

    /// Response direction: parse the head, send the rewritten head and body bytes straight
    /// from the upstream's input buffer.
    func receiveResponse(_ connection: DownstreamConnection, _ upstream: UpstreamConnection) -> PumpStep {
        var progressed = false
        while true {
            if !upstream.headParsed {
                if !upstream.input.isEmpty {
                    switch upstream.responseStart.step(upstream.input.readable, requestMethod: connection.head.method, into: &upstream.head) {
                    case .interim(let length):
                        upstream.input.consume(length)
                        continue
                    case .final:
                        guard startResponse(connection, upstream) else { return .stop }
                        if connection.phase == .tunneling {
                            startTunnel(connection, upstream)
                            return .stop
                        }
                        progressed = true
                        continue
                    case .failed(let error):
                        Log.warning("invalid upstream response", ["upstream": connection.runtime!.name, "error": error.description])
                        counters.countUpstreamError(upstream: connection.runtime!.name, kind: .invalidResponse)
                        failExchange(connection, status: 502)
                        return .stop
                    case .tooManyInterimResponses:
                        let runtime = connection.runtime!
                        counters.countUpstreamError(upstream: runtime.name, kind: .tooManyInterimResponses)
                        Log.warning("upstream sent more interim responses than a server does", [
                            "upstream": runtime.name, "endpoint": upstream.endpoint.addressText,
                            "count": String(upstream.responseStart.interimResponses),
                        ])
                        upstreamFailed(connection, upstream, status: 502)
                        return .stop
                    case .needMore:
                        break
                    }
                }
            } else {
                if connection.gzip != nil { return receiveGzipBody(connection, upstream, progressed: progressed) }
                guard refillBody(connection, upstream) else { return .stop }
                let outLeft = connection.output.count - connection.outputSent
                let bodyCount = upstream.body.sendable
                if outLeft > 0 || bodyCount > 0 {
                    guard connection.writable else { return progressed ? .progress : .blocked }
                    let body = upstream.input.base.map { UnsafeRawPointer($0 + upstream.input.readIndex) }
                    switch writeHeadAndBody(connection, body, bodyCount) {
                    case .wrote(let bodySent):
                        if bodySent > 0 {
                            upstream.input.consume(bodySent)
                            upstream.body.sent(bodySent)
                        }
                        progressed = true
                        continue
                    case .blocked:
                        return progressed ? .progress : .blocked
                    case .closed:
                        return .stop
                    }
                }
                if upstream.body.isDone {
                    finishProxy(connection, upstream)
                    return .stop
                }
            }
            // Need more bytes from the upstream.
            guard upstream.readable else { return progressed ? .progress : .blocked }
            switch readUpstream(connection, upstream) {
            case .progress: progressed = true
            case .blocked: return progressed ? .progress : .blocked
            case .stop: return .stop
            }
        }
    }

    /// Decodes the body framing of what `upstream.input` holds; on invalid framing the
    /// exchange fails with 502 and false is returned.
    func refillBody(_ connection: DownstreamConnection, _ upstream: UpstreamConnection) -> Bool {
        guard let error = upstream.body.refill(&upstream.input) else { return true }
        Log.warning("invalid upstream body", ["upstream": connection.runtime!.name, "error": error.description])
        counters.countUpstreamError(upstream: connection.runtime!.name, kind: .invalidResponse)
        failExchange(connection, status: 502)
        return false
    }

    /// One read from the upstream into its input buffer (response head or body bytes).
    func readUpstream(_ connection: DownstreamConnection, _ upstream: UpstreamConnection) -> PumpStep {
        buffers.acquire(into: &upstream.input)
        if upstream.input.freeCount == 0 { upstream.input.compact() }
        if upstream.input.freeCount == 0 {
            // A head, or a chunk-size line, larger than a buffer.
            counters.countUpstreamError(upstream: connection.runtime!.name, kind: .invalidResponse)
            failExchange(connection, status: 502)
            return .stop
        }
        let room = upstream.input.freeCount
        switch upstream.read(upstream.input.writePointer, room) {
        case .bytes(let n):
            upstream.input.writeIndex += n
            if n < room && upstream.shortReadDrains { upstream.readable = false }
            upstream.responseBytes += n
            // The body's timeout runs between two reads; the head's runs from when the
            // request went out, so a head dribbled a byte at a time still times out.
            if upstream.headParsed { setDeadline(upstream, now + connection.runtime!.readTimeout) }
            return .progress
        case .wouldBlock:
            upstream.readable = false
            return .blocked
        case .endOfStream:
            if upstream.headParsed && upstream.body.endOfStream() {
                upstream.head.connectionClose = true
                return .progress
            }
            upstreamBroke(connection, upstream, kind: .reset)
            return .stop
        case .failed:
            upstreamBroke(connection, upstream, kind: .reset)
            return .stop
        }
    }

    /// The final response head is complete: write the head for the downstream and set up
    /// body framing. Returns false when the exchange ended.
    private func startResponse(_ connection: DownstreamConnection, _ upstream: UpstreamConnection) -> Bool {
        if upstream.endpoint.suspect { upstream.endpoint.succeeded() }
        if let policy = connection.exchange!.gzipPolicy, startGzipResponse(connection, upstream, policy) { return true }
        let downstreamVersion = connection.head.version
        var framing: HeadSerializer.DownstreamFraming
        switch upstream.head.framing {
        case .none:
            framing = upstream.head.status == 101 ? .none : (upstream.head.status == 204 || upstream.head.status == 304 || connection.head.method == .head ? .none : .contentLength(0))
            upstream.body = BodyCursor()
        case .contentLength(let length):
            framing = .contentLength(length)
            upstream.body = BodyCursor(length: length)
        case .chunked:
            if downstreamVersion == .http11 {
                framing = .chunked
                upstream.body = BodyCursor(mode: .chunkedPass)
            } else {
                framing = .untilClose
                connection.keepAlive = false
                upstream.body = BodyCursor(mode: .chunkedStrip)
            }
        case .untilClose:
            framing = .untilClose
            connection.keepAlive = false
            upstream.body = BodyCursor(mode: .untilClose)
        }
        if connection.head.method == .head, case .contentLength = upstream.head.framing {
            // HEAD: the upstream's Content-Length describes the GET body; none follows.
            upstream.body = BodyCursor()
        }
        if upstream.head.status == 101 {
            // A 101 nobody asked for can't be honoured, nor one that came before the whole
            // request head went out (the tunnel would start in the middle of it).
            guard connection.head.isUpgrade, connection.upstreamHeadSent == connection.upstreamHead.count else {
                counters.countUpstreamError(upstream: connection.runtime!.name, kind: .invalidResponse)
                failExchange(connection, status: 502)
                return false
            }
            // The exchange becomes a byte tunnel (`startTunnel`): a request body still on
            // its way and whatever follows it are relayed as they come.
            connection.keepAlive = false
            connection.phase = .tunneling
        }
        if !connection.requestBody.isDone {
            // The upstream answered before taking the whole body: the rest can't be
            // told apart from a next request, so this connection ends with the response.
            connection.keepAlive = false
        }
        if let edits = connection.responseEdits {
            edits.withView { edits in
                HeadSerializer.writeDownstreamResponse(
                    upstream.head, bytes: upstream.input.readable, framing: framing, keepAlive: connection.keepAlive,
                    downstreamVersion: downstreamVersion, edits: edits, into: &connection.output)
            }
        } else {
            HeadSerializer.writeDownstreamResponse(
                upstream.head, bytes: upstream.input.readable, framing: framing, keepAlive: connection.keepAlive,
                downstreamVersion: downstreamVersion, into: &connection.output)
        }
        responseHeadWritten(connection, upstream)
        return true
    }

    /// The downstream head is in `output` (plain or compressed): the upstream's head bytes
    /// are done with, and the exchange has a status to log.
    func responseHeadWritten(_ connection: DownstreamConnection, _ upstream: UpstreamConnection) {
        upstream.input.consume(upstream.head.headLength)
        upstream.headParsed = true
        connection.responseStarted = true
        connection.status = upstream.head.status
    }

    /// Body complete both ways: the upstream connection goes back to its pool, the
    /// downstream waits for its next request.
    func finishProxy(_ connection: DownstreamConnection, _ upstream: UpstreamConnection) {
        let reusable = !upstream.head.connectionClose && upstream.input.isEmpty && connection.requestBody.isDone
            && upstream.body.mode != .untilClose
        connection.upstream = nil
        upstream.downstream = nil
        upstream.endpoint.activeRequests -= 1
        if reusable { releaseToPool(upstream) } else { closeUpstream(upstream) }
        if !connection.requestBody.isDone { connection.keepAlive = false }
        finishExchange(connection)
    }

    /// The upstream connection failed mid-exchange (reset, or closed before the response
    /// was complete).
    func upstreamBroke(_ connection: DownstreamConnection, _ upstream: UpstreamConnection, kind: UpstreamErrorKind) {
        let runtime = connection.runtime!
        if upstream.reused && upstream.responseBytes == 0 && !connection.responseStarted {
            // A pooled connection the upstream had already closed (its idle timeout won the
            // race): not the endpoint's failure. Sent again on a fresh connection only when
            // that cannot do anything twice.
            let replayable = isReplayable(connection, upstream)
            let endpoint = upstream.endpoint
            detachAndClose(connection, upstream)
            if replayable {
                attachConnection(connection, to: endpoint, runtime: runtime)
                return
            }
            counters.countUpstreamError(upstream: runtime.name, kind: kind)
            Log.warning("upstream closed a reused connection under a request that is not sent twice", [
                "upstream": runtime.name, "endpoint": endpoint.addressText, "method": String(describing: connection.head.method),
            ])
            failExchange(connection, status: 502)
            return
        }
        counters.countUpstreamError(upstream: runtime.name, kind: kind)
        Log.warning("upstream failed", ["upstream": runtime.name, "endpoint": upstream.endpoint.addressText, "kind": kind.rawValue])
        upstreamFailed(connection, upstream, status: 502)
    }

    enum HeadAndBodyWrite {
        /// Written (maybe partly); how many of the body bytes went.
        case wrote(bodySent: Int)
        /// Nothing went; EPOLLOUT will say when to go on.
        case blocked
        /// The connection is gone (and closed here).
        case closed
    }

    /// One `writev` of the head bytes still in `output` and `bodyCount` bytes at `body`
    /// (a response body, or a gzip chunk), with the send deadline kept.
    @inline(__always)
    func writeHeadAndBody(_ connection: DownstreamConnection, _ body: UnsafeRawPointer?, _ bodyCount: Int) -> HeadAndBodyWrite {
        let outLeft = connection.output.count - connection.outputSent
        let result = connection.output.withUnsafeBytes { out in
            connection.writev2((out.baseAddress ?? body!) + connection.outputSent, outLeft, body ?? out.baseAddress!, bodyCount)
        }
        switch result {
        case .bytes(let n):
            // A short write filled the socket buffer; EPOLLOUT says when it drains.
            if n < outLeft + bodyCount && connection.shortWriteFills {
                connection.writable = false
                setDeadline(connection, now + Worker.downstreamSendTimeout)
            } else if connection.deadline.at != 0 {
                connection.deadline.at = now + Worker.downstreamSendTimeout
            }
            connection.bytesSent += n
            let fromHead = min(n, outLeft)
            connection.outputSent += fromHead
            return .wrote(bodySent: n - fromHead)
        case .wouldBlock:
            connection.writable = false
            setDeadline(connection, now + Worker.downstreamSendTimeout)
            return .blocked
        case .endOfStream, .failed:
            closeDownstream(connection)
            return .closed
        }
    }

    /// Sends pending `output` bytes downstream (emptying `output` once all went); false
    /// when the connection closed.
    func flushOutput(_ connection: DownstreamConnection) -> Bool {
        while connection.outputSent < connection.output.count && connection.writable {
            let result = connection.output.withUnsafeBytes { raw in
                connection.send(raw.baseAddress! + connection.outputSent, raw.count - connection.outputSent)
            }
            switch result {
            case .bytes(let n):
                connection.outputSent += n
                connection.bytesSent += n
            case .wouldBlock:
                connection.writable = false
                setDeadline(connection, now + Worker.downstreamSendTimeout)
            case .endOfStream, .failed:
                closeDownstream(connection)
                return false
            }
        }
        if connection.outputSent == connection.output.count {
            connection.output.removeAll(keepingCapacity: true)
            connection.outputSent = 0
        }
        return true
    }
}
