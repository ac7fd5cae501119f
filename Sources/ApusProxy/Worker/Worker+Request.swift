import ApusCore
import ApusHTTP
import ApusNet

/// A parsed request head becomes an exchange: routed, then answered locally or proxied.
extension Worker {
    /// Starts answering the request whose head was just parsed.
    func startRequest(_ connection: DownstreamConnection, _ exchange: Exchange) {
        // Read the head in place through the exchange: a local copy of `RequestHead` costs
        // a retain/release pair of its header array per use.
        let raw = connection.input.readable
        connection.requestCount += 1
        connection.phase = .exchanging
        connection.deadline.at = 0
        exchange.startMilliseconds = now
        exchange.table = table
        exchange.headInInput = true
        exchange.machine = ExchangeMachine(request: ExchangeMachine.Request(exchange.head), draining: draining)
        exchange.clientAddress = connection.address
        if let policy = table.clientAddress { findClient(connection, exchange, policy, raw) }
        recordLogFields(exchange, raw)

        let host = exchange.head.routingHost(in: raw)
        let pathRange = Int(exchange.head.pathStart)..<Int(exchange.head.queryStart)
        // `http://host?q` (absolute-form without a path) means the path `/`.
        let pathLength = pathRange.isEmpty ? Worker.rootPath(into: pathScratch)
            : PathNormalizer.normalize(UnsafeRawBufferPointer(rebasing: raw[pathRange]), into: pathScratch)
        guard let pathLength else {
            respondError(connection, exchange, status: 400, close: true)
            return
        }
        let path = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(pathScratch)[0..<pathLength])

        if connection.listener.isAdmin {
            answerAdmin(connection, exchange, path: String(decoding: path, as: UTF8.self))
            return
        }
        let route = table.match(host: host, path: path, scratch: matchScratch)
        exchange.routeIndex = route
        guard route >= 0 else {
            respondError(connection, exchange, status: 404)
            return
        }
        // Before anything else the route does (a redirect included). Through the route's
        // unretained handle: a reference loaded from the table is retained around a call.
        if let list = table.routes[route].accessListHandle, !list._withUnsafeGuaranteedRef({ $0.permits(exchange.clientAddress) }) {
            respondError(connection, exchange, status: 403)
            return
        }
        // Routes without response rules, HSTS or a redirect to HTTPS pay one test here.
        if table.routes[route].dependsOnScheme {
            let isTLS = connection.listener.isTLS
            exchange.responseEditsHandle = isTLS ? table.routes[route].responseEditsTLSHandle : table.routes[route].responseEditsHandle
            if let redirect = table.routes[route].httpsRedirect, !isTLS {
                redirectToHTTPS(connection, exchange, redirect, host: host)
                return
            }
            if let policy = table.routes[route].clientCertificates, !admitsClientCertificate(connection, exchange, policy, route: route) {
                return
            }
        }
        // A preflight carries no credentials (Fetch), so it is answered before basic auth,
        // as ingress-nginx's rewrite-phase `return 204` is before its access phase.
        switch table.routes[route].corsMode {
        case .none:
            break
        case .anyOrigin:
            if exchange.head.method == .options {
                answerPreflight(connection, exchange)
                return
            }
        case .listedOrigins:
            if let origin = Self.originField(exchange, raw), applyCORS(route: route, origin: origin, connection, exchange) { return }
        }
        // After the redirect to HTTPS and the preflight, before authentication: where nginx's
        // preaccess phase falls (ingress-nginx answers those two in its rewrite phase).
        if let limit = table.routes[route].rateLimitHandle, !limit._withUnsafeGuaranteedRef({ admitsWithinLimits($0, connection, exchange) }) {
            return
        }
        if table.routes[route].authenticates && !authenticate(connection, exchange, route: route, host: host) {
            return
        }
        dispatch(connection, exchange, route: route, raw: raw, host: host, path: path)
    }

    /// What the route does with the request once it may go on: gzip negotiated, then
    /// proxied or answered here.
    @inline(__always)
    private func dispatch(_ connection: DownstreamConnection, _ exchange: Exchange, route: Int, raw: UnsafeRawBufferPointer,
                          host: UnsafeRawBufferPointer, path: UnsafeRawBufferPointer) {
        if exchange.head.acceptEncodingIndex >= 0 {
            exchange.gzipPolicy = negotiateGzip(exchange, route: route, bytes: raw)
        }
        switch table.routes[route].action {
        case .proxy(let upstream):
            if let canary = table.routes[route].canaryHandle {
                startProxy(connection, exchange, sharing: canary, main: upstream, route: route, raw: raw, path: path, host: host)
            } else {
                startProxy(connection, exchange, upstream: upstream, path: path, host: host)
            }
        case .staticFiles(let config):
            serveStaticFile(connection, exchange, config: config, path: String(decoding: path, as: UTF8.self))
        case .redirect(let config):
            redirect(connection, exchange, config: config, host: host)
        case .fixedResponse(let status, let body, let contentType):
            var response = LocalResponse(status: status, edits: exchange.responseEdits)
            response.header("Content-Type", contentType)
            finishLocal(connection, exchange, status: status, response: &response, body: body)
        }
    }

    /// Basic auth, then external auth: false when the request got its answer (401, ...)
    /// or waits for the auth service's (`resumeAfterAuth` goes on from there).
    private func authenticate(_ connection: DownstreamConnection, _ exchange: Exchange, route: Int, host: UnsafeRawBufferPointer) -> Bool {
        if let auth = table.routes[route].basicAuth, refuses(auth, connection, exchange, connection.input.readable) { return false }
        if let auth = table.routes[route].externalAuth {
            startExternalAuth(connection, exchange, auth, host: host)
            return false
        }
        return true
    }

    /// External auth let the request through. Everything before it (access list, scheme
    /// edits, CORS, basic auth) was done and its effects are on the exchange; the match is
    /// made again for the normalized path and a rewrite's captures, which other requests
    /// overwrote meanwhile. If a reload swapped the table, the request starts over under
    /// the new one (and is checked again if its new route asks).
    func resumeAfterAuth(_ connection: DownstreamConnection, _ exchange: Exchange) {
        guard exchange.table === table else {
            // Everything the old route chose goes: its handles point into the old table.
            exchange.auth = nil
            exchange.requestEdits = nil
            exchange.clientCertificateLines = nil
            exchange.errorBackend = nil
            exchange.responseEditsHandle = nil
            // Its limits are checked again under the new table: the count it holds goes back.
            if exchange.heldConnectionZone != 0 { releaseConnectionLimit(exchange) }
            startRequest(connection, exchange)
            return
        }
        let raw = connection.input.readable
        let host = exchange.head.routingHost(in: raw)
        let pathRange = Int(exchange.head.pathStart)..<Int(exchange.head.queryStart)
        guard let pathLength = pathRange.isEmpty ? Worker.rootPath(into: pathScratch)
                : PathNormalizer.normalize(UnsafeRawBufferPointer(rebasing: raw[pathRange]), into: pathScratch) else {
            respondError(connection, exchange, status: 400, close: true)
            return
        }
        let path = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(pathScratch)[0..<pathLength])
        let route = table.match(host: host, path: path, scratch: matchScratch)
        guard route == exchange.routeIndex else {
            respondError(connection, exchange, status: 500)
            return
        }
        applyAuthVerdict(exchange, route: route)
        dispatch(connection, exchange, route: route, raw: raw, host: host, path: path)
    }

    /// The client behind trusted proxies, from the policy's header (see `ClientAddressPolicy`).
    private func findClient(_ connection: DownstreamConnection, _ exchange: Exchange, _ policy: ClientAddressPolicy,
                            _ raw: UnsafeRawBufferPointer) {
        guard policy.trusts(connection.address) else { return }
        var values: [Substring] = []
        for field in exchange.head.headers where Int(field.nameEnd - field.nameStart) == policy.header.count {
            let name = raw[Int(field.nameStart)..<Int(field.nameEnd)]
            guard zip(name, policy.header).allSatisfy({ $0 | 0x20 == $1 || $0 == $1 }) else { continue }
            values.append(Substring(String(decoding: raw[Int(field.valueStart)..<Int(field.valueEnd)], as: UTF8.self)))
        }
        guard let (address, text) = policy.client(peer: connection.address, values: values) else { return }
        exchange.clientAddress = address
        exchange.clientText = Array(text.utf8)
    }

    static func rootPath(into scratch: UnsafeMutableRawBufferPointer) -> Int {
        scratch[0] = UInt8(ascii: "/")
        return 1
    }
}
