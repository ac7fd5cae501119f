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
        connection.attempts = 0
        if exchange.head.expectsContinue && exchange.head.hasBody && exchange.head.version == .http11 {
            connection.output.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
        }
        connectUpstream(connection, excluding: nil)
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

    /// Picks an endpoint and attaches a pooled or new connection to the exchange.
    func connectUpstream(_ connection: DownstreamConnection, excluding: EndpointState?) {
        let runtime = connection.runtime!
        let endpoints = runtime.endpoints
        let now = self.now
        let picked = runtime.picker.pick(
            endpointCount: endpoints.count,
            isAvailable: { endpoints[$0] !== excluding && endpoints[$0].ejectedUntil <= now },
            activeRequests: { endpoints[$0].activeRequests })
        guard let picked else {
            counters.countUpstreamError(upstream: runtime.name, kind: .noEndpoint)
            failExchange(connection, status: 503)
            return
        }
        let endpoint = endpoints[picked]
        connection.attempts += 1
        connection.logFields.upstreamAddress = endpoint.addressText
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

    /// A connect failed before any byte was sent: eject the endpoint briefly and try
    /// another one once.
    func connectFailed(_ connection: DownstreamConnection, endpoint: EndpointState, kind: UpstreamErrorKind) {
        let runtime = connection.runtime!
        counters.countUpstreamError(upstream: runtime.name, kind: kind)
        endpoint.ejectedUntil = now + Worker.ejectionMilliseconds
        Log.warning("upstream connect failed", ["upstream": runtime.name, "endpoint": endpoint.addressText, "kind": kind.rawValue])
        if connection.attempts < 2 && runtime.endpoints.count > 1 {
            connectUpstream(connection, excluding: endpoint)
        } else {
            failExchange(connection, status: kind == .connectTimeout ? 504 : 502)
        }
    }

    /// Ends an exchange that failed upstream: an error status if nothing was sent
    /// downstream yet, otherwise the client connection is cut (a truncated response must
    /// not look complete).
    func failExchange(_ connection: DownstreamConnection, status: Int) {
        if let upstream = connection.upstream {
            connection.upstream = nil
            upstream.downstream = nil
            upstream.endpoint.activeRequests -= 1
            closeUpstream(upstream)
        }
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

    enum PumpStep {
        case progress
        case blocked
        /// The exchange ended or failed; the connections may be gone.
        case stop
    }
}
