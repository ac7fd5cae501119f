import ApusCore
import ApusHTTP
import ApusNet

/// Proxying starts: the upstream request head, the endpoint, the connection.
extension Worker {
    /// Begins proxying the parsed request to an endpoint of `upstream`.
    /// - Parameter path: the normalized path the route matched (a rewrite copies its
    ///   captures), valid only during this call.
    /// - Parameter host: the routing host, for a consistent-hash key.
    func startProxy(_ connection: DownstreamConnection, _ exchange: Exchange, upstream index: Int, path: UnsafeRawBufferPointer,
                    host: UnsafeRawBufferPointer) {
        let routeIndex = exchange.routeIndex
        // A rule's own limit (proxy-body-size) replaces the global one; same 413 either way.
        let maxBody = table.routes[routeIndex].maxBodyBytes ?? table.limits.maxBodyBytes
        if maxBody > 0 && exchange.head.contentLength > maxBody {
            respondError(connection, exchange, status: 413)
            return
        }
        let runtime = upstreams[index]
        guard !runtime.endpoints.isEmpty else {
            counters.countUpstreamError(upstream: runtime.name, kind: .noEndpoint)
            if let backend = table.routes[routeIndex].errorBackend {
                divertToErrorBackend(connection, exchange, backend, status: 503)
            } else {
                respondError(connection, exchange, status: 503)
            }
            return
        }
        if let keyed = runtime.keyedHandle {
            keyed._withUnsafeGuaranteedRef { prepareBalanceKey($0, connection, exchange, host: host) }
        }
        let requestID = nextRequestID()
        if let client = exchange.clientText {
            client.withUnsafeBytes { writeUpstreamHead(connection, exchange, realClient: $0, path: path, requestID: requestID) }
        } else {
            writeUpstreamHead(connection, exchange, realClient: nil, path: path, requestID: requestID)
        }
        if let backend = table.routes[routeIndex].errorBackend, backend.interceptsStatuses {
            keepForErrorBackend(connection, exchange, backend, requestID: requestID)
        }
        exchange.headInInput = false
        connection.input.consume(exchange.head.headLength)
        if connection.input.isEmpty { buffers.release(&connection.input) }
        exchange.requestBody = exchange.head.isChunked ? BodyCursor(mode: .chunkedPass) : BodyCursor(length: max(exchange.head.contentLength, 0))
        exchange.runtime = runtime
        exchange.maxBodyBytes = maxBody
        let action = exchange.machine.handle(.proxy(runtime.terms), now: now)
        if exchange.machine.sendsContinue {
            exchange.output.buffer.append("HTTP/1.1 100 Continue\r\n\r\n")
        }
        carryOut(action, connection, exchange)
    }

    /// The upstream request head, with the route's header rules, and a rewriting route's
    /// target in place of the request's; `realClient` is the client trusted proxies named.
    @inline(__always)
    private func writeUpstreamHead(_ connection: DownstreamConnection, _ exchange: Exchange, realClient: UnsafeRawBufferPointer?,
                                   path: UnsafeRawBufferPointer, requestID: (UInt64, UInt64)) {
        var context = ForwardingContext(
            clientAddress: connection.peer, scheme: connection.listener.scheme, port: connection.listener.portText,
            generatedRequestID: requestID, forwardUpgrade: exchange.head.isUpgrade)
        context.realClientAddress = realClient
        if let rewrite = table.routes[exchange.routeIndex].rewrite {
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
    }

    private func writeUpstreamHead(_ connection: DownstreamConnection, _ exchange: Exchange, context: ForwardingContext,
                                   target: UnsafeRawBufferPointer?) {
        if exchange.ownedResponseEdits != nil {
            writeUpstreamHeadWithRequestExtras(connection, exchange, context: context, target: target)
            return
        }
        if let edits = table.routes[exchange.routeIndex].requestEdits {
            edits.withView { edits in
                HeadSerializer.writeUpstreamRequest(
                    exchange.head, bytes: connection.input.readable, targetOverride: target, context: context, edits: edits,
                    into: &exchange.upstreamHead.buffer)
            }
        } else {
            HeadSerializer.writeUpstreamRequest(
                exchange.head, bytes: connection.input.readable, targetOverride: target, context: context, into: &exchange.upstreamHead.buffer)
        }
    }

    /// The head of a request with edits of its own: the fields external auth's answer named
    /// and the X-Request-ID the auth service saw, the client-certificate fields.
    private func writeUpstreamHeadWithRequestExtras(_ connection: DownstreamConnection, _ exchange: Exchange, context: ForwardingContext,
                                                    target: UnsafeRawBufferPointer?) {
        var context = context
        if let check = exchange.auth { context.generatedRequestID = check.requestID }
        if let edits = exchange.auth?.requestEdits ?? exchange.requestEdits ?? table.routes[exchange.routeIndex].requestEdits {
            edits.withView { edits in
                HeadSerializer.writeUpstreamRequest(
                    exchange.head, bytes: connection.input.readable, targetOverride: target, context: context, edits: edits,
                    into: &exchange.upstreamHead.buffer)
            }
        } else {
            HeadSerializer.writeUpstreamRequest(
                exchange.head, bytes: connection.input.readable, targetOverride: target, context: context, into: &exchange.upstreamHead.buffer)
        }
    }

    /// Picks an endpoint this request has not been sent to, healthy ones first, and attaches
    /// a pooled or new connection. When only ejected endpoints are left, one of them is tried
    /// all the same: ejection steers traffic away from an endpoint, it never leaves an
    /// upstream with nothing to try (nginx does the same, Envoy calls it panic mode).
    func connectUpstream(_ connection: DownstreamConnection, _ exchange: Exchange) {
        // Borrowed, not retained. The exchange holds the runtime until the attempt is made:
        // `attachConnection` and `upstreamFailed` may end the exchange (and its hold), so
        // the runtime must not be used after them.
        Unmanaged.passUnretained(exchange.runtime!)._withUnsafeGuaranteedRef { connectUpstream(connection, exchange, $0) }
    }

    private func connectUpstream(_ connection: DownstreamConnection, _ exchange: Exchange, _ runtime: UpstreamRuntime) {
        let now = self.now
        // Closures written inline, not kept in a variable: a stored closure's context is a
        // heap allocation per request (measured: +400 instructions per request).
        let tried = exchange.machine.triedEndpoints
        if runtime.picksOwnWay {
            connectPickingOwnWay(runtime, connection, exchange, tried: tried)
            return
        }
        var picked = tried == 0
            ? runtime.picker.pick(
                endpointCount: runtime.endpoints.count, isAvailable: { runtime.endpoints[$0].availableAt <= now },
                activeRequests: { runtime.endpoints[$0].activeRequests })
            : runtime.picker.pick(
                endpointCount: runtime.endpoints.count, isAvailable: { tried & (1 << UInt64($0 & 63)) == 0 && runtime.endpoints[$0].availableAt <= now },
                activeRequests: { runtime.endpoints[$0].activeRequests })
        if picked == nil {
            picked = runtime.picker.pick(
                endpointCount: runtime.endpoints.count, isAvailable: { tried & (1 << UInt64($0 & 63)) == 0 },
                activeRequests: { runtime.endpoints[$0].activeRequests })
        }
        guard let picked else {
            upstreamFailed(connection, exchange, .noEndpoint)
            return
        }
        let endpoint = runtime.endpoints[picked]
        // At the latest, a probe's verdict comes after every timeout it could run into.
        endpoint.picked(at: now, verdictBy: now + runtime.connectTimeout + runtime.sendTimeout + runtime.readTimeout)
        exchange.logFields.upstreamAddress = endpoint.addressText
        attachConnection(connection, exchange, endpoint: picked)
    }

    /// A pooled connection to the endpoint if there is one, else a new one.
    @inline(__always)
    func attachConnection(_ connection: DownstreamConnection, _ exchange: Exchange, endpoint index: Int) {
        let endpoint = exchange.runtime!.endpoints[index]
        endpoint.activeRequests += 1
        exchange.upstreamStartedAt = now
        exchange.upstreamHeaderAt = 0
        if let pooled = endpoint.idle.popLast() {
            exchange.upstreamConnectedAt = now
            pooled.state = .busy
            attach(pooled, exchange, connection)
            carryOut(exchange.machine.handle(.attached(endpoint: index, reused: true), now: now), connection, exchange)
            return
        }
        // Tested after the pool (whose connections are all HTTP/1.1): a reused connection
        // pays nothing for it.
        if endpoint.http2 {
            attachHTTP2Stream(connection, exchange, endpoint: index)
            return
        }
        exchange.upstreamConnectedAt = 0
        _ = exchange.machine.handle(.attached(endpoint: index, reused: false), now: now)
        switch Sockets.connect(endpoint.socketAddress, receiveBufferBytes: endpoint.receiveBufferBytes) {
        case .failed(let code) where Sockets.isLocalShortage(code):
            endpoint.activeRequests -= 1
            Log.warning("no socket for an upstream connection; the endpoint is not blamed", [
                "upstream": exchange.runtime!.name, "endpoint": endpoint.addressText, "error": Posix.describe(code),
            ])
            upstreamFailed(connection, exchange, .localResources)
        case .failed:
            endpoint.activeRequests -= 1
            upstreamFailed(connection, exchange, .connectRefused)
        case .inProgress(let fd), .connected(let fd):
            // Sockets.connect set TCP_NODELAY; readiness comes with the first events.
            let upstream = UpstreamConnection(
                transport: Transport(fd: fd, readable: false, writable: false, noDelaySet: true), tag: nextTag(fd: fd), endpoint: endpoint)
            setSlot(fd, .upstream(upstream))
            upstream.transport.register(in: epoll, tag: upstream.tag)
            attach(upstream, exchange, connection)
            syncDeadlines(connection, exchange)
        }
    }

    func attach(_ upstream: UpstreamConnection, _ exchange: Exchange, _ connection: DownstreamConnection) {
        upstream.resetForExchange()
        upstream.exchange = exchange
        exchange.upstream = upstream
        exchange.upstreamHead.sent = 0
    }

    /// Takes the upstream connection away from the exchange (which no longer counts as a
    /// request on its endpoint).
    func detach(_ exchange: Exchange, _ upstream: UpstreamConnection) {
        exchange.upstream = nil
        upstream.exchange = nil
        upstream.endpoint.activeRequests -= 1
    }

    /// Takes the upstream connection away from the exchange and closes it.
    func detachAndClose(_ exchange: Exchange, _ upstream: UpstreamConnection) {
        detach(exchange, upstream)
        closeUpstream(upstream)
    }
}
