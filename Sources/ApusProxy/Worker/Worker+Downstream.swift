import ApusCore
import ApusHTTP
import ApusNet
import Glibc

/// The downstream connection's own life: TLS handshake, reading request heads, keep-alive,
/// lingering and closing. An exchange, once a head is parsed, is `Worker+Exchange.swift`'s.
extension Worker {
    func downstreamEvent(_ connection: DownstreamConnection, events: UInt32) {
        connection.transport.note(events: events)
        driveDownstream(connection)
    }

    /// Makes every step the connection can make now.
    func driveDownstream(_ connection: DownstreamConnection) {
        switch connection.phase {
        case .awaitingProxyHeader: readProxyHeader(connection)
        case .handshaking: continueHandshake(connection)
        case .awaitingHead: readRequestHead(connection)
        case .exchanging: driveExchange(connection, connection.exchange!)
        case .lingering: linger(connection)
        case .http2: driveHTTP2(connection)
        }
    }

    /// Reads and parses until a head is complete (then starts the exchange) or the socket
    /// is drained.
    func readRequestHead(_ connection: DownstreamConnection) {
        while connection.phase == .awaitingHead {
            if !connection.input.isEmpty {
                if connection.exchange == nil {
                    let exchange = exchanges.take(limits: limits)
                    exchange.downstream = connection
                    connection.exchange = exchange
                    markWaitingForNextRequest(connection, false)
                }
                let exchange = connection.exchange!
                switch exchange.parser.parse(connection.input.readable, into: &exchange.head) {
                case .complete:
                    startRequest(connection, exchange)
                    return
                case .failed(let error):
                    if waitsForRestOfPreface(connection, exchange) { break }
                    rejectRequest(connection, exchange, error)
                    return
                case .needMore:
                    break
                }
            }
            guard connection.transport.readable else { return }
            buffers.acquire(into: &connection.input)
            if connection.input.freeCount == 0 { connection.input.compact() }
            if connection.input.freeCount == 0 {
                rejectRequest(connection, connection.exchange!, HTTPParseError(.headTooLarge, at: connection.input.readableCount))
                return
            }
            let wasEmpty = connection.input.isEmpty
            switch connection.transport.read(into: &connection.input) {
            case .bytes:
                if wasEmpty && connection.requestCount > 0 {
                    // First byte of a new request on a kept-alive connection.
                    setDeadline(connection, now + UInt64(table.timeouts.headerRead))
                }
            case .wouldBlock:
                if connection.input.isEmpty { buffers.release(&connection.input) }
                return
            case .endOfStream, .failed:
                closeDownstream(connection)
                return
            }
        }
    }

    /// "PRI * HTTP/2.0" parses as a (bad) head before the whole h2c preface came: the head
    /// is read again once more bytes are in. Out of line: the request path never comes here.
    @inline(never)
    func waitsForRestOfPreface(_ connection: DownstreamConnection, _ exchange: Exchange) -> Bool {
        guard http2Preface(connection) == .partly else { return false }
        exchange.parser = RequestHeadParser(limits: limits)
        return true
    }

    /// Runs the TLS handshake as far as the socket allows; once done, HTTP starts.
    func continueHandshake(_ connection: DownstreamConnection) {
        switch connection.transport.handshake() {
        case .done:
            connection.phase = .awaitingHead
            // The first request may have come with the client's Finished.
            connection.transport.readable = true
            if connection.listener.http2, connection.transport.tls?.negotiatedHTTP2 == true {
                startHTTP2(connection)
                return
            }
            setDeadline(connection, now + UInt64(table.timeouts.headerRead))
            readRequestHead(connection)
        case .wantRead, .wantWrite:
            return
        case .failed(let reason):
            counters.tlsHandshakeFailures += 1
            Log.debug("TLS handshake failed", ["listener": connection.listener.name, "reason": reason])
            closeDownstream(connection)
        }
    }

    /// A head that does not parse: answered with the error's status, then the connection
    /// closes (what follows in the stream cannot be trusted to start a request).
    func rejectRequest(_ connection: DownstreamConnection, _ exchange: Exchange, _ error: HTTPParseError) {
        if http2Preface(connection) == .yes {
            startHTTP2(connection)
            return
        }
        exchange.machine = .refused(status: error.status)
        exchange.routeIndex = -1
        exchange.startMilliseconds = now
        exchange.logFields.clear()
        connection.phase = .exchanging
        connection.deadline.at = 0
        sendLocalResponse(connection, exchange, LocalResponse.errorPage(status: error.status, keepAlive: false, page: table.errorPage(for: error.status)))
    }

    /// The exchange ended as `ending` says (its log line is written): wait for the next
    /// request, linger, or close.
    func endExchange(_ connection: DownstreamConnection, _ ending: ExchangeMachine.Ending) {
        switch ending {
        case .keepAlive:
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
        case .linger:
            startLingering(connection)
        case .close:
            // A stream's response delimited by its end is ended by this.
            if connection.isStream { connection.transport.shutdownWrite() }
            closeDownstream(connection)
        }
    }

    func releaseExchange(_ connection: DownstreamConnection) {
        guard let exchange = connection.exchange else { return }
        connection.exchange = nil
        if exchange.file >= 0 {
            Posix.close(exchange.file)
            exchange.file = -1
        }
        if exchange.gzip != nil { releaseGzip(exchange) }
        // Set only with `ownedResponseEdits` (`admitsWithinLimits`): one test for the others.
        if exchange.ownedResponseEdits != nil && exchange.heldConnectionZone != 0 { releaseConnectionLimit(exchange) }
        exchanges.give(exchange)
    }

    /// Half-closes and discards what the client still sends, briefly, before closing.
    func startLingering(_ connection: DownstreamConnection) {
        if connection.isStream {
            // The stream's own end tells the client; its unread body is refused by a reset.
            connection.transport.shutdownWrite()
            closeDownstream(connection)
            return
        }
        releaseExchange(connection)
        connection.phase = .lingering
        connection.transport.shutdownWrite()
        setDeadline(connection, now + Worker.lingerTimeout)
        linger(connection)
    }

    func linger(_ connection: DownstreamConnection) {
        buffers.acquire(into: &connection.input)
        while true {
            connection.input.readIndex = 0
            connection.input.writeIndex = 0
            switch connection.transport.read(into: &connection.input) {
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
        if connection.isStream { return closeStream(connection) }
        guard case .downstream(let current) = slots[Int(connection.fd)], current === connection else { return }
        if let h2 = connection.http2 {
            connection.http2 = nil
            closeHTTP2Streams(h2)
        }
        abandonExchange(connection)
        setSlot(connection.fd, .empty)
        connection.transport.close()
        downstreamCount -= 1
        markWaitingForNextRequest(connection, false)
    }

    /// The connection goes with its request unanswered (counted as such), its upstream
    /// connection and auth check dropped, and its buffer returned.
    func abandonExchange(_ connection: DownstreamConnection) {
        if let exchange = connection.exchange {
            countUnfinished(connection, exchange)
            if let upstream = exchange.upstream { detachAndClose(exchange, upstream) }
            if let check = exchange.auth { abandonAuth(check) }
            releaseExchange(connection)
        }
        buffers.release(&connection.input)
    }

    func markWaitingForNextRequest(_ connection: DownstreamConnection, _ waits: Bool) {
        guard connection.waitsForNextRequest != waits else { return }
        connection.waitsForNextRequest = waits
        keptAliveIdle += waits ? 1 : -1
    }

    func setDeadline(_ connection: DownstreamConnection, _ at: UInt64) {
        connection.deadline.set(at, tag: connection.tag, in: &wheel)
    }

    /// A downstream deadline passed: outside an exchange the connection closes (a slow
    /// handshake or head, an idle keep-alive, the end of lingering); inside one, the
    /// exchange decides.
    func downstreamTimedOut(_ connection: DownstreamConnection) {
        switch connection.phase {
        case .awaitingProxyHeader:
            counters.proxyProtocolRefusals += 1
            closeDownstream(connection)
        case .handshaking:
            counters.tlsHandshakeFailures += 1
            closeDownstream(connection)
        case .awaitingHead, .lingering:
            closeDownstream(connection)
        case .http2:
            // Idle with no stream open: first the session hands memory back; at the idle
            // timeout a GOAWAY says no request was lost, then it closes, unless responses
            // still go out to a slow reader, which gets another period.
            guard let h2 = connection.http2, h2.streams.isEmpty else { return }
            if h2.memoryReleaseDue {
                // Output still going to a slow reader: the release is tried again a moment
                // later, unless the idle timeout comes first.
                let closing = h2.idleSince + http2IdleTimeout
                if h2.output.isEmpty {
                    h2.memoryReleaseDue = false
                    h2.releaseIdleMemory()
                } else if now + Self.http2MemoryReleaseDelay >= closing {
                    h2.memoryReleaseDue = false
                }
                setDeadline(connection, h2.memoryReleaseDue ? now + Self.http2MemoryReleaseDelay : closing)
                return
            }
            if h2.session.totalQueuedBytes > 0 && h2.wroteSinceDeadline {
                h2.wroteSinceDeadline = false
                setDeadline(connection, now + http2IdleTimeout)
                return
            }
            goAway(connection)
            closeDownstream(connection)
        case .exchanging:
            let exchange = connection.exchange!
            carryOut(exchange.machine.handle(.timer, now: now), connection, exchange)
        }
    }
}
