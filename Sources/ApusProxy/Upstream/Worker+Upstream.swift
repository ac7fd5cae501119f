import ApusCore
import ApusNet

/// Upstream connections: connecting, the TLS handshake, events, the idle pool, timeouts.
extension Worker {
    func upstreamEvent(_ upstream: UpstreamConnection, events: UInt32) {
        upstream.transport.note(events: events)
        switch upstream.state {
        case .idle:
            // An idle pooled connection that turned readable was closed by the upstream
            // (or sent garbage): either way it can't be reused. Under TLS the bytes may be
            // a session ticket or key update, which leaves the connection usable.
            if events & (Epoll.readable | Epoll.hangup | Epoll.error) != 0 && !idleTLSStillUsable(upstream) {
                removeFromPool(upstream)
            }
        case .connecting:
            guard upstream.transport.writable || events & Epoll.error != 0 else { return }
            guard let exchange = upstream.exchange, let connection = exchange.downstream else {
                notExchanging(upstream, events: events)
                return
            }
            if Sockets.connectResult(upstream.fd) != 0 {
                upstreamFailed(connection, exchange, .connectRefused)
                return
            }
            upstream.transport.writable = true
            if let context = upstream.endpoint.tls {
                guard beginTLS(upstream, context, serverName: upstream.endpoint.address.resolvedFrom ?? upstream.endpoint.address.host) else {
                    upstreamHandshakeFailed(connection, exchange, upstream, reason: "cannot create a TLS session")
                    return
                }
                continueUpstreamHandshake(connection, exchange, upstream)
                return
            }
            upstream.state = .busy
            exchange.upstreamConnectedAt = now
            carryOut(exchange.machine.handle(.connected, now: now), connection, exchange)
        case .handshaking:
            guard let exchange = upstream.exchange, let connection = exchange.downstream else {
                notExchanging(upstream, events: events)
                return
            }
            continueUpstreamHandshake(connection, exchange, upstream)
        case .busy:
            guard let exchange = upstream.exchange, let connection = exchange.downstream else {
                notExchanging(upstream, events: events)
                return
            }
            driveExchange(connection, exchange)
        }
    }

    /// Starts the client side of TLS on a connected upstream socket; false when OpenSSL
    /// cannot make the session.
    func beginTLS(_ upstream: UpstreamConnection, _ context: TLSClientContext, serverName: String) -> Bool {
        guard let stream = context.makeStream(fd: upstream.fd, host: serverName, coalescing: tlsCoalescing) else { return false }
        upstream.transport.tls = stream
        upstream.state = .handshaking
        upstream.transport.readable = true
        return true
    }

    /// An event on a connection no exchange owns: it carries an external-auth check, or
    /// its exchange went away (it closes). Tested here, off the proxied requests' path.
    private func notExchanging(_ upstream: UpstreamConnection, events: UInt32) {
        if let h2 = upstream.http2 {
            http2UpstreamEvent(upstream, h2, events: events)
        } else if let check = upstream.authCheck {
            authEvent(check, upstream, events: events)
        } else {
            closeUpstream(upstream)
        }
    }

    /// Runs the client handshake as far as the socket allows; once done, the request goes.
    func continueUpstreamHandshake(_ connection: DownstreamConnection, _ exchange: Exchange, _ upstream: UpstreamConnection) {
        switch upstream.transport.handshake() {
        case .done:
            upstream.state = .busy
            upstream.transport.writable = true
            exchange.upstreamConnectedAt = now
            carryOut(exchange.machine.handle(.connected, now: now), connection, exchange)
        case .wantRead, .wantWrite:
            return
        case .failed(let reason):
            upstreamHandshakeFailed(connection, exchange, upstream, reason: reason)
        }
    }

    /// A failed handshake (bad certificate, name mismatch, protocol) counts as a failed
    /// connect: nothing was sent, so another endpoint may be tried.
    private func upstreamHandshakeFailed(_ connection: DownstreamConnection, _ exchange: Exchange, _ upstream: UpstreamConnection,
                                         reason: String) {
        Log.warning("upstream TLS handshake failed", ["upstream": exchange.runtime!.name, "endpoint": upstream.endpoint.addressText, "reason": reason])
        upstreamFailed(connection, exchange, .tlsHandshake)
    }

    func releaseToPool(_ upstream: UpstreamConnection) {
        // A stream to an HTTP/2 upstream answers `connection: close` and is never pooled.
        assert(upstream.fd >= 0, "a stream offered to the pool")
        let endpoint = upstream.endpoint
        guard !endpoint.retired, !upstream.transport.hangupSeen, endpoint.idle.count < endpoint.maxIdle, !draining else {
            closeUpstream(upstream)
            return
        }
        buffers.release(&upstream.input)
        upstream.state = .idle
        // Anything the upstream sends from now on arrives as a new edge and closes it while
        // idle (see `upstreamEvent`); bytes of this response were all framed and consumed.
        upstream.transport.readable = false
        endpoint.idle.append(upstream)
        setDeadline(upstream, now + UInt64(endpoint.idleTimeoutMilliseconds))
    }

    func removeFromPool(_ upstream: UpstreamConnection) {
        let endpoint = upstream.endpoint
        if let position = endpoint.idle.firstIndex(where: { $0 === upstream }) {
            endpoint.idle.remove(at: position)
        }
        closeUpstream(upstream)
    }

    /// Reads what arrived on an idle TLS connection: true when it was only TLS
    /// housekeeping (no application byte, no close).
    private func idleTLSStillUsable(_ upstream: UpstreamConnection) -> Bool {
        guard upstream.transport.layer != nil, !upstream.transport.hangupSeen else { return false }
        var byte: UInt8 = 0
        return withUnsafeMutableBytes(of: &byte) { upstream.transport.read($0.baseAddress!, 1) == .wouldBlock }
    }

    func closeUpstream(_ upstream: UpstreamConnection) {
        guard upstream.fd >= 0 else {
            closeUpstreamStream(upstream)
            return
        }
        if upstream.http2 != nil {
            closeHTTP2Connection(upstream)
            return
        }
        guard Int(upstream.fd) < slots.count, case .upstream(let current) = slots[Int(upstream.fd)], current === upstream else { return }
        buffers.release(&upstream.input)
        setSlot(upstream.fd, .empty)
        upstream.transport.close()
        upstream.exchange = nil
    }

    func setDeadline(_ upstream: UpstreamConnection, _ at: UInt64) {
        upstream.deadline.set(at, tag: upstream.tag, in: &wheel)
    }

    /// An upstream deadline passed: an idle pooled connection is closed; for one attached
    /// to an exchange, the exchange decides (connect, send or read timeout).
    func upstreamTimedOut(_ upstream: UpstreamConnection) {
        guard upstream.state != .idle else {
            removeFromPool(upstream)
            return
        }
        guard let exchange = upstream.exchange, let connection = exchange.downstream else {
            // A connection carrying an external-auth check, or streams to an HTTP/2
            // upstream, has no exchange of its own.
            if let h2 = upstream.http2 {
                http2ConnectionTimedOut(upstream, h2)
            } else if let check = upstream.authCheck {
                authTimedOut(check, upstream)
            } else {
                closeUpstream(upstream)
            }
            return
        }
        carryOut(exchange.machine.handle(.timer, now: now), connection, exchange)
    }
}
