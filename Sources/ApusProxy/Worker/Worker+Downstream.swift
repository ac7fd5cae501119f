import ApusCore
import ApusHTTP
import ApusNet
import Glibc

extension Worker {
    func downstreamEvent(_ connection: DownstreamConnection, events: UInt32) {
        if events & (Epoll.readable | Epoll.hangup | Epoll.error) != 0 { connection.readable = true }
        if events & (Epoll.hangup | Epoll.error) != 0 { connection.hangupSeen = true }
        if events & Epoll.writable != 0 { connection.writable = true }
        if let tls = connection.tls {
            // OpenSSL sometimes needs the other direction's readiness to go on.
            if tls.readWantsWrite && events & Epoll.writable != 0 { connection.readable = true }
            if tls.writeWantsRead && events & Epoll.readable != 0 { connection.writable = true }
        }
        driveDownstream(connection)
    }

    /// Makes every step the connection can make now.
    func driveDownstream(_ connection: DownstreamConnection) {
        switch connection.phase {
        case .handshaking: continueHandshake(connection)
        case .awaitingHead: readRequestHead(connection)
        case .proxying: if let upstream = connection.upstream { pump(connection, upstream) }
        case .tunneling: if let upstream = connection.upstream { pumpTunnel(connection, upstream) }
        case .responding: flushLocalResponse(connection)
        case .lingering: linger(connection)
        }
    }

    /// Reads and parses until a head is complete (then starts the exchange) or the socket
    /// is drained.
    func readRequestHead(_ connection: DownstreamConnection) {
        while connection.phase == .awaitingHead {
            if !connection.input.isEmpty {
                if connection.exchange == nil {
                    connection.exchange = exchanges.take(limits: limits)
                    markWaitingForNextRequest(connection, false)
                }
                switch connection.parser.parse(connection.input.readable, into: &connection.head) {
                case .complete:
                    startRequest(connection)
                    return
                case .failed(let error):
                    rejectRequest(connection, error)
                    return
                case .needMore:
                    break
                }
            }
            guard connection.readable else { return }
            buffers.acquire(into: &connection.input)
            if connection.input.freeCount == 0 { connection.input.compact() }
            if connection.input.freeCount == 0 {
                rejectRequest(connection, HTTPParseError(.headTooLarge, at: connection.input.readableCount))
                return
            }
            let wasEmpty = connection.input.isEmpty
            let room = connection.input.freeCount
            switch connection.read(connection.input.writePointer, room) {
            case .bytes(let n):
                connection.input.writeIndex += n
                // A short read drained the socket; with edge-triggered epoll, later data
                // (or EOF) arrives as a new event, so don't spend a read on EAGAIN.
                if n < room && connection.shortReadDrains { connection.readable = false }
                if wasEmpty && connection.requestCount > 0 {
                    // First byte of a new request on a kept-alive connection.
                    setDeadline(connection, now + UInt64(table.timeouts.headerRead))
                }
            case .wouldBlock:
                connection.readable = false
                if connection.input.isEmpty { buffers.release(&connection.input) }
                return
            case .endOfStream, .failed:
                closeDownstream(connection)
                return
            }
        }
    }

    /// Runs the TLS handshake as far as the socket allows; once done, HTTP starts.
    func continueHandshake(_ connection: DownstreamConnection) {
        guard let tls = connection.tls else { return }
        switch tls.handshake() {
        case .done:
            connection.phase = .awaitingHead
            // The first request may have come with the client's Finished.
            connection.readable = true
            setDeadline(connection, now + UInt64(table.timeouts.headerRead))
            readRequestHead(connection)
        case .wantRead:
            connection.readable = false
        case .wantWrite:
            connection.writable = false
        case .failed(let reason):
            counters.tlsHandshakeFailures += 1
            Log.debug("TLS handshake failed", ["listener": connection.listener.name, "reason": reason])
            closeDownstream(connection)
        }
    }

    func rejectRequest(_ connection: DownstreamConnection, _ error: HTTPParseError) {
        connection.keepAlive = false
        connection.routeIndex = -1
        connection.startMilliseconds = now
        connection.logFields.clear()
        respondLocally(connection, status: error.status, bytes: LocalResponse.errorPage(status: error.status, keepAlive: false))
    }

    /// Starts answering the request whose head was just parsed.
    func startRequest(_ connection: DownstreamConnection) {
        // Read the head in place through the exchange: a local copy of `RequestHead` costs
        // a retain/release pair of its header array per use.
        let exchange = connection.exchange!
        let raw = connection.input.readable
        connection.requestCount += 1
        connection.startMilliseconds = now
        connection.table = table
        connection.keepAlive = exchange.head.keepAlive && !draining
        connection.deadline.at = 0
        recordLogFields(connection, raw)

        let host = hostBytes(exchange, raw)
        let pathRange = Int(exchange.head.pathStart)..<Int(exchange.head.queryStart)
        // `http://host?q` (absolute-form without a path) means the path `/`.
        let pathLength = pathRange.isEmpty ? Worker.rootPath(into: pathScratch)
            : PathNormalizer.normalize(UnsafeRawBufferPointer(rebasing: raw[pathRange]), into: pathScratch)
        guard let pathLength else {
            connection.keepAlive = false
            respondError(connection, status: 400)
            return
        }
        let path = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(pathScratch)[0..<pathLength])

        if connection.listener.isAdmin {
            answerAdmin(connection, path: String(decoding: path, as: UTF8.self))
            return
        }
        let route = table.match(host: host, path: path, scratch: matchScratch)
        connection.routeIndex = route
        guard route >= 0 else {
            respondError(connection, status: 404)
            return
        }
        // Routes without response rules, HSTS or a redirect to HTTPS pay one test here.
        if table.routes[route].dependsOnScheme {
            let isTLS = connection.listener.isTLS
            exchange.responseEdits = isTLS ? table.routes[route].responseEditsTLS : table.routes[route].responseEdits
            if let redirect = table.routes[route].httpsRedirect, !isTLS {
                redirectToHTTPS(connection, redirect, host: host)
                return
            }
        }
        if exchange.head.acceptEncodingIndex >= 0 {
            exchange.gzipPolicy = negotiateGzip(exchange, route: route, bytes: raw)
        }
        switch table.routes[route].action {
        case .proxy(let upstream):
            startProxy(connection, upstream: upstream, path: path)
        case .staticFiles(let config):
            serveStaticFile(connection, config: config, path: String(decoding: path, as: UTF8.self))
        case .redirect(let config):
            redirect(connection, config: config, host: host)
        case .fixedResponse(let status, let body, let contentType):
            var response = LocalResponse(status: status, edits: connection.responseEdits)
            response.header("Content-Type", contentType)
            finishLocal(connection, status: status, response: &response, body: body)
        }
    }

    static func rootPath(into scratch: UnsafeMutableRawBufferPointer) -> Int {
        scratch[0] = UInt8(ascii: "/")
        return 1
    }

    /// The Host header (or the authority of an absolute-form target), without port.
    func hostBytes(_ exchange: Exchange, _ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start: Int
        var end: Int
        if exchange.head.authorityEnd > exchange.head.authorityStart {
            start = Int(exchange.head.authorityStart)
            end = Int(exchange.head.authorityEnd)
        } else if exchange.head.hostIndex >= 0 {
            start = Int(exchange.head.headers[exchange.head.hostIndex].valueStart)
            end = Int(exchange.head.headers[exchange.head.hostIndex].valueEnd)
        } else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        if start < end && raw[start] == UInt8(ascii: "[") {
            // [v6]:port → v6
            var i = start
            while i < end && raw[i] != UInt8(ascii: "]") { i += 1 }
            start += 1
            end = i
        } else {
            var i = end
            while i > start {
                i -= 1
                if raw[i] == UInt8(ascii: ":") {
                    end = i
                    break
                }
            }
        }
        if end > start && raw[end - 1] == UInt8(ascii: ".") { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: raw[start..<end])
    }

    /// Ends the exchange: log, count, then wait for the next request or close.
    func finishExchange(_ connection: DownstreamConnection) {
        logAndCount(connection)
        if connection.file >= 0 {
            Posix.close(connection.file)
            connection.file = -1
        }
        guard connection.keepAlive && !draining else {
            // Linger only when the client may still be sending (nginx's heuristic too):
            // otherwise a plain close is cheaper and cannot reset anything in flight.
            let mayBeSending = !connection.input.isEmpty || (connection.head.hasBody && !connection.requestBody.isDone)
                || connection.phase == .responding && connection.head.hasBody
            if mayBeSending { startLingering(connection) } else { closeDownstream(connection) }
            return
        }
        connection.phase = .awaitingHead
        releaseExchange(connection)
        markWaitingForNextRequest(connection, true)
        if connection.input.isEmpty {
            // Idle: the connection keeps no buffer and no exchange.
            buffers.release(&connection.input)
            setDeadline(connection, now + UInt64(table.timeouts.keepAliveIdle))
        } else {
            setDeadline(connection, now + UInt64(table.timeouts.headerRead))
        }
        readRequestHead(connection)
    }

    func releaseExchange(_ connection: DownstreamConnection) {
        guard let exchange = connection.exchange else { return }
        connection.exchange = nil
        if exchange.gzip != nil { releaseGzip(exchange) }
        exchanges.give(exchange)
    }

    /// Half-closes and discards what the client still sends, briefly, before closing.
    func startLingering(_ connection: DownstreamConnection) {
        releaseExchange(connection)
        connection.phase = .lingering
        connection.shutdownWrite()
        setDeadline(connection, now + Worker.lingerTimeout)
        linger(connection)
    }

    func linger(_ connection: DownstreamConnection) {
        buffers.acquire(into: &connection.input)
        while true {
            connection.input.readIndex = 0
            connection.input.writeIndex = 0
            switch connection.read(connection.input.writePointer, connection.input.capacity) {
            case .bytes: continue
            case .wouldBlock:
                buffers.release(&connection.input)
                return
            case .endOfStream, .failed:
                closeDownstream(connection)
                return
            }
        }
    }

    func closeDownstream(_ connection: DownstreamConnection) {
        guard case .downstream(let current) = slots[Int(connection.fd)], current === connection else { return }
        if let exchange = connection.exchange {
            if let upstream = exchange.upstream { detachAndClose(connection, upstream) }
            if exchange.file >= 0 {
                Posix.close(exchange.file)
                exchange.file = -1
            }
            releaseExchange(connection)
        }
        buffers.release(&connection.input)
        setSlot(connection.fd, .empty)
        if let tls = connection.tls {
            tls.shutdown()
            connection.tls = nil
        }
        // close() removes the fd from epoll (it is never duplicated), one syscall less.
        Posix.close(connection.fd)
        downstreamCount -= 1
        markWaitingForNextRequest(connection, false)
    }

    func markWaitingForNextRequest(_ connection: DownstreamConnection, _ waits: Bool) {
        guard connection.waitsForNextRequest != waits else { return }
        connection.waitsForNextRequest = waits
        keptAliveIdle += waits ? 1 : -1
    }

    func setDeadline(_ connection: DownstreamConnection, _ at: UInt64) {
        connection.deadline.set(at, tag: connection.tag, in: &wheel)
    }

    /// A downstream deadline passed: what it means depends on the phase.
    func downstreamTimedOut(_ connection: DownstreamConnection) {
        switch connection.phase {
        case .handshaking:
            counters.tlsHandshakeFailures += 1
            closeDownstream(connection)
        case .awaitingHead, .lingering, .responding:
            closeDownstream(connection)
        case .proxying:
            // The client stopped reading a response for too long.
            closeDownstream(connection)
        case .tunneling:
            endTunnel(connection, .idleTimeout)
        }
    }
}
