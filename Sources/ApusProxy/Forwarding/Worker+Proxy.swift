import ApusCore
import ApusHTTP
import ApusNet

extension Worker {
    /// Begins proxying the parsed request to an endpoint of `upstream`.
    /// - Parameter path: the normalized path the route matched (a rewrite copies its
    ///   captures), valid only during this call.
    func startProxy(_ connection: DownstreamConnection, upstream index: Int, path: UnsafeRawBufferPointer) {
        let exchange = connection.exchange!
        let routeIndex = exchange.routeIndex
        // A rule's own limit (proxy-body-size) replaces the global one; same 413 either way.
        let maxBody = table.routes[routeIndex].maxBodyBytes ?? table.limits.maxBodyBytes
        if maxBody > 0 && exchange.head.contentLength > maxBody {
            respondError(connection, status: 413)
            return
        }
        guard !upstreams[index].endpoints.isEmpty else {
            counters.countUpstreamError(upstream: upstreams[index].name, kind: .noEndpoint)
            respondError(connection, status: 503)
            return
        }
        let context = ForwardingContext(
            clientAddress: connection.peer, scheme: connection.listener.scheme, port: connection.listener.portText,
            generatedRequestID: nextRequestID(), forwardUpgrade: exchange.head.isUpgrade)
        if let rewrite = table.routes[routeIndex].rewrite {
            let raw = connection.input.readable
            let query = UnsafeRawBufferPointer(rebasing: raw[Int(exchange.head.queryStart)..<Int(exchange.head.pathEnd)])
            rewrittenTarget.removeAll(keepingCapacity: true)
            rewrite.write(path: path, scratch: matchScratch, query: query, into: &rewrittenTarget)
            rewrittenTarget.withUnsafeBytes { target in
                writeUpstreamHead(connection, exchange, context: context, target: target)
            }
        } else {
            writeUpstreamHead(connection, exchange, context: context, target: nil)
        }
        connection.input.consume(exchange.head.headLength)
        if connection.input.isEmpty { buffers.release(&connection.input) }
        connection.upstreamHeadSent = 0
        exchange.requestBody = exchange.head.isChunked ? BodyCursor(mode: .chunkedPass) : BodyCursor(length: max(exchange.head.contentLength, 0))
        connection.phase = .proxying
        exchange.runtime = upstreams[index]
        exchange.maxBodyBytes = maxBody
        if exchange.head.expectsContinue && exchange.head.hasBody && exchange.head.version == .http11 {
            connection.output.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
        }
        connectUpstream(connection)
    }

    /// The upstream request head, with the route's header rules and `target` (a rewrite)
    /// in place of the request's target when given.
    private func writeUpstreamHead(_ connection: DownstreamConnection, _ exchange: Exchange, context: ForwardingContext,
                                   target: UnsafeRawBufferPointer?) {
        if let edits = table.routes[exchange.routeIndex].requestEdits {
            edits.withView { edits in
                HeadSerializer.writeUpstreamRequest(
                    exchange.head, bytes: connection.input.readable, targetOverride: target, context: context, edits: edits,
                    into: &exchange.upstreamHead)
            }
        } else {
            HeadSerializer.writeUpstreamRequest(
                exchange.head, bytes: connection.input.readable, targetOverride: target, context: context, into: &exchange.upstreamHead)
        }
    }

    /// Picks an endpoint this request has not been sent to, healthy ones first, and attaches
    /// a pooled or new connection. When only ejected endpoints are left, one of them is tried
    /// all the same: ejection steers traffic away from an endpoint, it never leaves an
    /// upstream with nothing to try (nginx does the same, Envoy calls it panic mode).
    func connectUpstream(_ connection: DownstreamConnection) {
        let exchange = connection.exchange!
        let runtime = exchange.runtime!
        let endpoints = runtime.endpoints
        let now = self.now
        // Closures written inline, not kept in a variable: a stored closure's context is a
        // heap allocation per request (measured: +400 instructions per request).
        let tried = exchange.triedEndpoints
        var picked = tried == 0
            ? runtime.picker.pick(
                endpointCount: endpoints.count, isAvailable: { endpoints[$0].availableAt <= now },
                activeRequests: { endpoints[$0].activeRequests })
            : runtime.picker.pick(
                endpointCount: endpoints.count, isAvailable: { tried & (1 << UInt64($0 & 63)) == 0 && endpoints[$0].availableAt <= now },
                activeRequests: { endpoints[$0].activeRequests })
        if picked == nil {
            picked = runtime.picker.pick(
                endpointCount: endpoints.count, isAvailable: { tried & (1 << UInt64($0 & 63)) == 0 },
                activeRequests: { endpoints[$0].activeRequests })
        }
        guard let picked else {
            counters.countUpstreamError(upstream: runtime.name, kind: .noEndpoint)
            failExchange(connection, status: 503)
            return
        }
        let endpoint = endpoints[picked]
        exchange.triedEndpoints |= 1 << UInt64(picked & 63)
        // At the latest, a probe's verdict comes after every timeout it could run into.
        endpoint.picked(at: now, verdictBy: now + runtime.connectTimeout + runtime.sendTimeout + runtime.readTimeout)
        exchange.logFields.upstreamAddress = endpoint.addressText
        attachConnection(connection, to: endpoint, runtime: runtime)
    }

    /// A pooled connection to `endpoint` if there is one, else a new one.
    @inline(__always)
    func attachConnection(_ connection: DownstreamConnection, to endpoint: EndpointState, runtime: UpstreamRuntime) {
        endpoint.activeRequests += 1
        if let pooled = endpoint.idle.popLast() {
            pooled.reused = true
            pooled.state = .busy
            attach(pooled, to: connection)
            setDeadline(pooled, now + runtime.sendTimeout)
            pump(connection, pooled)
            return
        }
        switch Sockets.connect(endpoint.socketAddress, receiveBufferBytes: endpoint.receiveBufferBytes) {
        case .failed(let code) where Sockets.isLocalShortage(code):
            // Our own limits (file descriptors, memory): not the endpoint's failure.
            endpoint.activeRequests -= 1
            counters.countUpstreamError(upstream: runtime.name, kind: .localResources)
            Log.warning("no socket for an upstream connection; the endpoint is not blamed", [
                "upstream": runtime.name, "endpoint": endpoint.addressText, "error": Posix.describe(code),
            ])
            failExchange(connection, status: 502)
        case .failed:
            endpoint.activeRequests -= 1
            connectFailed(connection, endpoint: endpoint, kind: .connectRefused)
        case .inProgress(let fd), .connected(let fd):
            let upstream = UpstreamConnection(fd: fd, tag: nextTag(fd: fd), endpoint: endpoint)
            setSlot(fd, .upstream(upstream))
            epoll.add(fd, events: Epoll.edgeAll, tag: upstream.tag)
            attach(upstream, to: connection)
            setDeadline(upstream, now + runtime.connectTimeout)
        }
    }

    private func attach(_ upstream: UpstreamConnection, to connection: DownstreamConnection) {
        upstream.resetForExchange()
        upstream.downstream = connection
        connection.upstream = upstream
        connection.upstreamHeadSent = 0
    }

    /// Takes the upstream connection away from the exchange and closes it.
    func detachAndClose(_ connection: DownstreamConnection, _ upstream: UpstreamConnection) {
        connection.upstream = nil
        upstream.downstream = nil
        upstream.endpoint.activeRequests -= 1
        closeUpstream(upstream)
    }

    /// A connect (or TLS handshake) failed before any byte of the request was sent: the
    /// endpoint is ejected and the request goes to another one, whatever its method.
    func connectFailed(_ connection: DownstreamConnection, endpoint: EndpointState, kind: UpstreamErrorKind) {
        let runtime = connection.runtime!
        counters.countUpstreamError(upstream: runtime.name, kind: kind)
        endpoint.failed(at: now)
        Log.warning("upstream connect failed", ["upstream": runtime.name, "endpoint": endpoint.addressText, "kind": kind.rawValue])
        if connection.exchange!.attempts < runtime.maxAttempts {
            connectUpstream(connection)
        } else {
            failExchange(connection, status: kind == .connectTimeout ? 504 : 502)
        }
    }

    /// Whether the request may go out again after its connection failed: nothing of an
    /// answer came, no body byte left (the body is streamed, not kept), and sending it twice
    /// is harmless (idempotent, or the operator said so).
    func isReplayable(_ connection: DownstreamConnection, _ upstream: UpstreamConnection) -> Bool {
        upstream.responseBytes == 0 && !connection.responseStarted && connection.requestBodyBytesSent == 0
            && (connection.head.method.isIdempotent || connection.runtime!.failures.retryNonIdempotent)
    }

    /// The exchange's connection failed (reset, closed early, timed out, or sent something
    /// that is no HTTP response): blame the endpoint, then send the request elsewhere when
    /// that is safe and an endpoint is left, else answer `status`.
    func upstreamFailed(_ connection: DownstreamConnection, _ upstream: UpstreamConnection, status: Int) {
        let runtime = connection.runtime!
        let replayable = isReplayable(connection, upstream)
        upstream.endpoint.failed(at: now)
        detachAndClose(connection, upstream)
        if replayable && connection.exchange!.attempts < runtime.maxAttempts {
            connectUpstream(connection)
        } else {
            failExchange(connection, status: status)
        }
    }

    /// Ends an exchange that failed upstream: an error status if nothing was sent
    /// downstream yet, otherwise the client connection is cut (a truncated response must
    /// not look complete).
    func failExchange(_ connection: DownstreamConnection, status: Int) {
        if let upstream = connection.upstream { detachAndClose(connection, upstream) }
        if connection.responseStarted {
            closeDownstream(connection)
            return
        }
        connection.keepAlive = connection.keepAlive && connection.requestBody.isDone
        connection.output.removeAll(keepingCapacity: true)
        connection.phase = .responding
        respondError(connection, status: status)
    }

    /// Moves bytes both ways until neither side can make progress.
    func pump(_ connection: DownstreamConnection, _ upstream: UpstreamConnection) {
        guard upstream.state == .busy else { return }
        // The client's FIN (or reset) arrives as a downstream event, which pumps: checked once
        // per pump, before any more work for a client that is gone.
        if connection.hangupSeen && connection.requestBody.isDone && !connection.runtime!.failures.ignoreClientAbort {
            clientAborted(connection)
            return
        }
        var progress = true
        while progress && connection.upstream === upstream {
            progress = false
            switch sendRequest(connection, upstream) {
            case .progress: progress = true
            case .blocked: break
            case .stop: return
            }
            switch receiveResponse(connection, upstream) {
            case .progress: progress = true
            case .blocked: break
            case .stop: return
            }
        }
    }

    /// The client closed its connection while its request was with the upstream (nginx's
    /// "client prematurely closed connection"): the upstream connection closes now, not at
    /// the read timeout, and the exchange is logged as 499 when no response had started.
    /// A client that only half-closed cannot be told apart from one that left, and is
    /// treated alike, as nginx does (`ignore_client_abort: true` waits for the answer).
    func clientAborted(_ connection: DownstreamConnection) {
        if !connection.responseStarted { connection.status = 499 }
        logAndCount(connection)
        closeDownstream(connection)
    }

    enum PumpStep {
        case progress
        case blocked
        /// The exchange ended or failed; the connections may be gone.
        case stop
    }
}
