import ApusCore
import ApusHTTP
import ApusNet

/// External auth (ingress-nginx's `auth-url`): a body-less request to the auth service
/// decides whether the client's request goes on. 2xx lets it through with the listed
/// fields copied; 401 is passed on, or becomes a 302 to the sign-in URL; 403 is passed
/// on; anything else, and a service that cannot be reached or does not answer in time,
/// is 500, never a request let through.
extension Worker {
    /// nginx's `add_header` without `always` writes only on these statuses.
    static let cookieStatuses: Set<Int> = [200, 201, 204, 206, 301, 302, 303, 304, 307, 308]

    /// Asks the route's auth service about the request (or takes a remembered answer).
    func startExternalAuth(_ connection: DownstreamConnection, _ exchange: Exchange, _ auth: CompiledExternalAuth,
                           host: UnsafeRawBufferPointer) {
        let check = AuthCheck(auth: auth, exchange: exchange, requestID: nextRequestID())
        exchange.auth = check
        if exchange.ownedResponseEdits == nil { exchange.ownedResponseEdits = Exchange.authMarker }
        if let template = auth.cacheKey {
            var key: [UInt8] = []
            expand(template, connection, exchange, host: host, into: &key)
            let digest = key.withUnsafeBytes { externalAuthCache.key(scope: auth.cacheScope, credential: $0) }
            check.cacheKey = digest
            if let (verdict, expiresAt) = externalAuthCache.verdict(digest), expiresAt > now {
                counters.externalAuth.cacheHits += 1
                conclude(connection, exchange, check, verdict)
                return
            }
        }
        guard let runtime = authRuntime(auth, connection, exchange, host: host) else {
            Log.warning("external auth: the auth URL's host and path match no proxied route", ["url": auth.config.url])
            failAuth(connection, exchange)
            return
        }
        check.runtime = runtime
        var bytes: [UInt8] = []
        writeAuthRequest(auth, connection, exchange, host: host, requestID: check.requestID, into: &bytes)
        bytes.withUnsafeBytes { check.request.buffer.append(contentsOf: $0) }
        sendAuthRequest(check, connection, pooled: true)
    }

    /// The service's upstream; for a URL on the request's own host, the upstream of the
    /// route that host and the URL's path match.
    private func authRuntime(_ auth: CompiledExternalAuth, _ connection: DownstreamConnection, _ exchange: Exchange,
                             host: UnsafeRawBufferPointer) -> UpstreamRuntime? {
        if auth.upstream >= 0 { return auth.upstream < upstreams.count ? upstreams[auth.upstream] : nil }
        var target: [UInt8] = []
        expand(auth.url.target, connection, exchange, host: host, into: &target)
        let path = target.prefix { $0 != UInt8(ascii: "?") }
        let length = path.withUnsafeBytes { PathNormalizer.normalize($0, into: pathScratch) }
        guard let length else { return nil }
        let route = table.match(host: host, path: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(pathScratch)[0..<length]),
                                scratch: matchScratch)
        guard route >= 0, case .proxy(let index) = table.routes[route].action, index < upstreams.count else { return nil }
        return upstreams[index]
    }

    /// Picks an endpoint and sends the request over a pooled or new connection.
    private func sendAuthRequest(_ check: AuthCheck, _ connection: DownstreamConnection, pooled: Bool) {
        let runtime = check.runtime!
        let endpoints = runtime.endpoints
        let now = self.now
        // An ejected endpoint is tried when nothing else is left, as for proxied requests.
        guard let picked = runtime.picker.pick(
            endpointCount: endpoints.count, isAvailable: { endpoints[$0].availableAt <= now }, activeRequests: { endpoints[$0].activeRequests })
            ?? runtime.picker.pick(endpointCount: endpoints.count, isAvailable: { _ in true }, activeRequests: { endpoints[$0].activeRequests })
        else {
            Log.warning("external auth: the auth service has no endpoint", ["url": check.auth.config.url])
            failAuth(connection, check.exchange)
            return
        }
        let endpoint = endpoints[picked]
        check.request.sent = 0
        endpoint.activeRequests += 1
        if pooled, let idle = endpoint.idle.popLast() {
            idle.state = .busy
            attachAuth(idle, check)
            check.reused = true
            setDeadline(idle, now + runtime.sendTimeout)
            pumpAuth(check, idle, connection)
            return
        }
        check.reused = false
        switch Sockets.connect(endpoint.socketAddress, receiveBufferBytes: endpoint.receiveBufferBytes) {
        case .failed(let code):
            endpoint.activeRequests -= 1
            if !Sockets.isLocalShortage(code) { endpoint.failed(at: now) }
            Log.warning("external auth: cannot connect to the auth service", ["url": check.auth.config.url, "endpoint": endpoint.addressText, "error": Posix.describe(code)])
            failAuth(connection, check.exchange)
        case .inProgress(let fd), .connected(let fd):
            let upstream = UpstreamConnection(
                transport: Transport(fd: fd, readable: false, writable: false, noDelaySet: true), tag: nextTag(fd: fd), endpoint: endpoint)
            setSlot(fd, .upstream(upstream))
            upstream.transport.register(in: epoll, tag: upstream.tag)
            attachAuth(upstream, check)
            setDeadline(upstream, now + runtime.connectTimeout)
        }
    }

    private func attachAuth(_ upstream: UpstreamConnection, _ check: AuthCheck) {
        upstream.resetForExchange()
        upstream.authCheck = check
        check.upstream = upstream
    }

    /// Takes the connection away from the check: back to the pool when `reusable`.
    private func detachAuth(_ check: AuthCheck, _ upstream: UpstreamConnection, reusable: Bool) {
        check.upstream = nil
        upstream.authCheck = nil
        upstream.endpoint.activeRequests -= 1
        if reusable { releaseToPool(upstream) } else { closeUpstream(upstream) }
    }

    /// An event on a connection serving an auth check.
    func authEvent(_ check: AuthCheck, _ upstream: UpstreamConnection, events: UInt32) {
        guard let connection = check.exchange.downstream else {
            detachAuth(check, upstream, reusable: false)
            return
        }
        switch upstream.state {
        case .connecting:
            guard upstream.transport.writable || events & Epoll.error != 0 else { return }
            if Sockets.connectResult(upstream.fd) != 0 {
                authAttemptFailed(check, upstream, connection, reason: "connect refused", retry: false)
                return
            }
            upstream.transport.writable = true
            if let context = upstream.endpoint.tls {
                let serverName = upstream.endpoint.address.resolvedFrom ?? check.auth.url.host ?? upstream.endpoint.address.host
                guard beginTLS(upstream, context, serverName: serverName) else {
                    authAttemptFailed(check, upstream, connection, reason: "cannot create a TLS session", retry: false)
                    return
                }
                continueAuthHandshake(check, upstream, connection)
                return
            }
            connectedForAuth(check, upstream, connection)
        case .handshaking:
            continueAuthHandshake(check, upstream, connection)
        case .busy:
            pumpAuth(check, upstream, connection)
        case .idle:
            return
        }
    }

    private func continueAuthHandshake(_ check: AuthCheck, _ upstream: UpstreamConnection, _ connection: DownstreamConnection) {
        switch upstream.transport.handshake() {
        case .done:
            upstream.transport.writable = true
            connectedForAuth(check, upstream, connection)
        case .wantRead, .wantWrite:
            return
        case .failed(let reason):
            authAttemptFailed(check, upstream, connection, reason: "TLS handshake failed: \(reason)", retry: false)
        }
    }

    private func connectedForAuth(_ check: AuthCheck, _ upstream: UpstreamConnection, _ connection: DownstreamConnection) {
        upstream.state = .busy
        let runtime = check.runtime!
        setDeadline(upstream, now + runtime.sendTimeout)
        pumpAuth(check, upstream, connection)
    }

    /// Writes what is left of the request, then reads until the answer's head is in.
    private func pumpAuth(_ check: AuthCheck, _ upstream: UpstreamConnection, _ connection: DownstreamConnection) {
        while check.request.remaining > 0 {
            guard upstream.transport.writable else { return }
            switch upstream.transport.write(check.request.unsent!, check.request.remaining) {
            case .bytes(let count):
                check.request.sent += count
                // All sent: the answer has the read timeout from now.
                if check.request.remaining == 0 { setDeadline(upstream, now + check.runtime!.readTimeout) }
            case .wouldBlock: return
            case .endOfStream, .failed:
                authAttemptFailed(check, upstream, connection, reason: "connection reset", retry: check.reused)
                return
            }
        }
        let method: HTTPMethod = check.auth.method == "HEAD" ? .head : .get
        while true {
            if !upstream.input.isEmpty {
                switch upstream.responseStart.step(upstream.input.readable, requestMethod: method, into: &upstream.head) {
                case .final:
                    authAnswered(check, upstream, connection)
                    return
                case .interim(let length):
                    upstream.input.consume(length)
                    continue
                case .needMore:
                    break
                case .tooManyInterimResponses, .failed:
                    authAttemptFailed(check, upstream, connection, reason: "the answer is not valid HTTP", retry: false)
                    return
                }
            }
            guard upstream.transport.readable else { return }
            buffers.acquire(into: &upstream.input)
            if upstream.input.freeCount == 0 { upstream.input.compact() }
            if upstream.input.freeCount == 0 {
                authAttemptFailed(check, upstream, connection, reason: "the answer's head is too large", retry: false)
                return
            }
            switch upstream.transport.read(into: &upstream.input) {
            case .bytes:
                continue
            case .wouldBlock:
                return
            case .endOfStream, .failed:
                authAttemptFailed(check, upstream, connection, reason: "closed before answering", retry: check.reused && upstream.input.isEmpty)
                return
            }
        }
    }

    /// The answer's head is in: its verdict decides the request.
    private func authAnswered(_ check: AuthCheck, _ upstream: UpstreamConnection, _ connection: DownstreamConnection) {
        let head = upstream.head
        let raw = upstream.input.readable
        upstream.endpoint.succeeded()
        var verdict = AuthVerdict(status: head.status)
        let allowed = (200..<300).contains(head.status)
        for field in head.headers {
            let name = String(decoding: raw[Int(field.nameStart)..<Int(field.nameEnd)], as: UTF8.self).lowercased()
            let value = raw[Int(field.valueStart)..<Int(field.valueEnd)]
            if name == "set-cookie" {
                verdict.cookieLines += "Set-Cookie: ".utf8
                verdict.cookieLines += value
                verdict.cookieLines += "\r\n".utf8
            } else if name == "www-authenticate" {
                verdict.challenges.append(String(decoding: value, as: UTF8.self))
            } else if allowed, let index = check.auth.responseHeaderKeys.firstIndex(of: name), !value.isEmpty {
                verdict.copiedLines += check.auth.responseHeaders[index].utf8
                verdict.copiedLines += ": ".utf8
                verdict.copiedLines += value
                verdict.copiedLines += "\r\n".utf8
            }
        }
        // The connection goes back to the pool when the answer's body is all here; a longer
        // or unframed body is not worth reading for nothing.
        let bodyless = check.auth.method == "HEAD" || head.status == 204 || head.status == 304
        let bodyLength = bodyless ? 0 : head.isChunked ? -1 : head.contentLength
        let reusable = !head.connectionClose && bodyLength >= 0 && Int64(raw.count - head.headLength) == bodyLength
        if reusable { upstream.input.consume(raw.count) }
        detachAuth(check, upstream, reusable: reusable)

        switch head.status {
        case 200..<300: counters.externalAuth.allowed += 1
        case 401: counters.externalAuth.unauthorized += 1
        case 403: counters.externalAuth.forbidden += 1
        default:
            counters.externalAuth.failed += 1
            Log.warning("external auth: the auth service answered neither 2xx, 401 nor 403", ["url": check.auth.config.url, "status": String(head.status)])
        }
        if let key = check.cacheKey, let seconds = check.auth.cacheSeconds(for: head.status) {
            externalAuthCache.remember(key, (verdict, expiresAt: now + UInt64(seconds) * 1000))
        }
        conclude(connection, check.exchange, check, verdict)
    }

    /// The attempt's connection failed: once more over a new connection when `retry`,
    /// else the request gets 500.
    private func authAttemptFailed(_ check: AuthCheck, _ upstream: UpstreamConnection, _ connection: DownstreamConnection,
                                   reason: String, retry: Bool) {
        if !retry { upstream.endpoint.failed(at: now) }
        detachAuth(check, upstream, reusable: false)
        if retry {
            sendAuthRequest(check, connection, pooled: false)
            return
        }
        Log.warning("external auth: the auth service failed", ["url": check.auth.config.url, "endpoint": upstream.endpoint.addressText, "reason": reason])
        failAuth(connection, check.exchange)
    }

    /// A connection serving an auth check reached its deadline.
    func authTimedOut(_ check: AuthCheck, _ upstream: UpstreamConnection) {
        guard let connection = check.exchange.downstream else {
            detachAuth(check, upstream, reusable: false)
            return
        }
        authAttemptFailed(check, upstream, connection, reason: "timed out", retry: false)
    }

    /// The downstream went away while its check was in flight.
    func abandonAuth(_ check: AuthCheck) {
        if let upstream = check.upstream { detachAuth(check, upstream, reusable: false) }
    }

    private func failAuth(_ connection: DownstreamConnection, _ exchange: Exchange) {
        counters.externalAuth.failed += 1
        respondError(connection, exchange, status: 500)
    }

    /// Acts on the verdict: the request goes on, or gets its answer here.
    private func conclude(_ connection: DownstreamConnection, _ exchange: Exchange, _ check: AuthCheck, _ verdict: AuthVerdict) {
        let auth = check.auth
        switch verdict.status {
        case 200..<300:
            check.verdict = verdict
            resumeAfterAuth(connection, exchange)
        case 401:
            let raw = connection.input.readable
            let host = exchange.head.routingHost(in: raw)
            if let signin = auth.signin {
                var location: [UInt8] = []
                expand(signin, connection, exchange, host: host, into: &location)
                var response = LocalResponse(status: 302)
                response.header("Location", String(decoding: location, as: UTF8.self))
                response.header("Content-Type", "text/plain; charset=utf-8")
                response.appendLines(verdict.cookieLines)
                finishLocal(connection, exchange, status: 302, response: &response, body: Array("302 Found\n".utf8))
                return
            }
            var response = LocalResponse(status: 401)
            for challenge in verdict.challenges { response.header("WWW-Authenticate", challenge) }
            response.header("Content-Type", "text/plain; charset=utf-8")
            if auth.alwaysSetCookie { response.appendLines(verdict.cookieLines) }
            finishLocal(connection, exchange, status: 401, response: &response, body: Array("401 Unauthorized\n".utf8))
        case 403:
            var response = LocalResponse(status: 403)
            response.header("Content-Type", "text/plain; charset=utf-8")
            if auth.alwaysSetCookie { response.appendLines(verdict.cookieLines) }
            finishLocal(connection, exchange, status: 403, response: &response, body: Array("403 Forbidden\n".utf8))
        default:
            respondError(connection, exchange, status: 500)
        }
    }

    /// What the service's answer adds: its listed fields to the request sent upstream, its
    /// cookies to the response (over the edits the route and CORS chose).
    func applyAuthVerdict(_ exchange: Exchange, route: Int) {
        guard let check = exchange.auth, let verdict = check.verdict else { return }
        let routeEdits = exchange.requestEdits ?? table.routes[route].requestEdits
        var removed = routeEdits?.removedNames ?? []
        for name in check.auth.responseHeaderKeys {
            removed.append(UInt8(name.utf8.count))
            removed += name.utf8
        }
        if !removed.isEmpty || !verdict.copiedLines.isEmpty {
            check.requestEdits = CompiledHeaderEdits(removedNames: removed, addedLines: (routeEdits?.addedLines ?? []) + verdict.copiedLines)
        }
        guard !verdict.cookieLines.isEmpty else { return }
        let current = exchange.responseEdits
        check.editsWithoutCookies = current
        check.cookiesOnSuccessOnly = !check.auth.alwaysSetCookie
        let withCookies = CompiledHeaderEdits(removedNames: current?.removedNames ?? [], addedLines: (current?.addedLines ?? []) + verdict.cookieLines)
        exchange.ownedResponseEdits = withCookies
        exchange.responseEdits = withCookies
    }

    /// A response of `status` goes without the auth service's cookies when nginx's
    /// `add_header` without `always` would not write them (only 2xx and 3xx): the edits
    /// from before they were added are put back.
    func settleAuthCookies(_ exchange: Exchange, status: Int) {
        guard let check = exchange.auth, check.cookiesOnSuccessOnly, !Self.cookieStatuses.contains(status) else { return }
        exchange.responseEdits = check.editsWithoutCookies
    }
}

extension LocalResponse {
    /// Complete `Name: value\r\n` lines (an auth service's cookies).
    mutating func appendLines(_ lines: [UInt8]) {
        bytes += lines
    }
}
