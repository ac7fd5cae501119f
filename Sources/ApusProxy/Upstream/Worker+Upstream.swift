import ApusCore
import ApusNet

extension Worker {
    func upstreamEvent(_ upstream: UpstreamConnection, events: UInt32) {
        if events & (Epoll.readable | Epoll.hangup | Epoll.error) != 0 { upstream.readable = true }
        if events & (Epoll.hangup | Epoll.error) != 0 { upstream.hangupSeen = true }
        if events & Epoll.writable != 0 { upstream.writable = true }
        switch upstream.state {
        case .idle:
            // An idle pooled connection that turned readable was closed by the upstream
            // (or sent garbage): either way it can't be reused. Under TLS the bytes may be
            // a session ticket or key update, which leaves the connection usable.
            if events & (Epoll.readable | Epoll.hangup | Epoll.error) != 0 && !idleTLSStillUsable(upstream) {
                removeFromPool(upstream)
            }
        case .connecting:
            guard upstream.writable || events & Epoll.error != 0 else { return }
            guard let connection = upstream.downstream else {
                closeUpstream(upstream)
                return
            }
            let result = Sockets.connectResult(upstream.fd)
            if result != 0 {
                detachAndClose(connection, upstream)
                connectFailed(connection, endpoint: upstream.endpoint, kind: .connectRefused)
                return
            }
            upstream.writable = true
            if let context = upstream.endpoint.tls {
                guard let stream = context.makeStream(
                    fd: upstream.fd, host: upstream.endpoint.address.resolvedFrom ?? upstream.endpoint.address.host, coalescing: tlsCoalescing) else {
                    upstreamHandshakeFailed(connection, upstream, reason: "cannot create a TLS session")
                    return
                }
                upstream.tls = stream
                upstream.state = .handshaking
                upstream.readable = true
                continueUpstreamHandshake(connection, upstream)
                return
            }
            upstream.state = .busy
            setDeadline(upstream, now + connection.runtime!.sendTimeout)
            pump(connection, upstream)
        case .handshaking:
            guard let connection = upstream.downstream else {
                closeUpstream(upstream)
                return
            }
            if let tls = upstream.tls {
                if tls.readWantsWrite && events & Epoll.writable != 0 { upstream.readable = true }
                if tls.writeWantsRead && events & Epoll.readable != 0 { upstream.writable = true }
            }
            continueUpstreamHandshake(connection, upstream)
        case .busy:
            guard let connection = upstream.downstream else {
                closeUpstream(upstream)
                return
            }
            if connection.phase == .tunneling {
                pumpTunnel(connection, upstream)
            } else {
                pump(connection, upstream)
            }
        }
    }

    /// Runs the client handshake as far as the socket allows; once done, the request goes.
    func continueUpstreamHandshake(_ connection: DownstreamConnection, _ upstream: UpstreamConnection) {
        guard let tls = upstream.tls else { return }
        switch tls.handshake() {
        case .done:
            upstream.state = .busy
            upstream.writable = true
            setDeadline(upstream, now + connection.runtime!.sendTimeout)
            pump(connection, upstream)
        case .wantRead:
            upstream.readable = false
        case .wantWrite:
            upstream.writable = false
        case .failed(let reason):
            upstreamHandshakeFailed(connection, upstream, reason: reason)
        }
    }

    /// A failed handshake (bad certificate, name mismatch, protocol) counts as a failed
    /// connect: nothing was sent, so another endpoint may be tried.
    private func upstreamHandshakeFailed(_ connection: DownstreamConnection, _ upstream: UpstreamConnection, reason: String) {
        Log.warning("upstream TLS handshake failed", ["upstream": connection.runtime!.name, "endpoint": upstream.endpoint.addressText, "reason": reason])
        detachAndClose(connection, upstream)
        connectFailed(connection, endpoint: upstream.endpoint, kind: .tlsHandshake)
    }

    func releaseToPool(_ upstream: UpstreamConnection) {
        let endpoint = upstream.endpoint
        guard !endpoint.retired, !upstream.hangupSeen, endpoint.idle.count < endpoint.maxIdle, !draining else {
            closeUpstream(upstream)
            return
        }
        buffers.release(&upstream.input)
        upstream.state = .idle
        upstream.reused = false
        // Anything the upstream sends from now on arrives as a new edge and closes it while
        // idle (see `upstreamEvent`); bytes of this response were all framed and consumed.
        upstream.readable = false
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
        guard let tls = upstream.tls, !upstream.hangupSeen else { return false }
        var byte: UInt8 = 0
        return withUnsafeMutableBytes(of: &byte) { tls.read($0.baseAddress!, 1) == .wouldBlock }
    }

    func closeUpstream(_ upstream: UpstreamConnection) {
        guard Int(upstream.fd) < slots.count, case .upstream(let current) = slots[Int(upstream.fd)], current === upstream else { return }
        buffers.release(&upstream.input)
        if let tls = upstream.tls {
            tls.shutdown()
            upstream.tls = nil
        }
        setSlot(upstream.fd, .empty)
        Posix.close(upstream.fd)
        upstream.downstream = nil
    }

    func setDeadline(_ upstream: UpstreamConnection, _ at: UInt64) {
        upstream.deadline.set(at, tag: upstream.tag, in: &wheel)
    }

    func upstreamTimedOut(_ upstream: UpstreamConnection) {
        switch upstream.state {
        case .idle:
            removeFromPool(upstream)
        case .connecting, .handshaking:
            guard let connection = upstream.downstream else {
                closeUpstream(upstream)
                return
            }
            detachAndClose(connection, upstream)
            connectFailed(connection, endpoint: upstream.endpoint, kind: .connectTimeout)
        case .busy:
            guard let connection = upstream.downstream else {
                closeUpstream(upstream)
                return
            }
            let name = connection.runtime!.name
            let kind: UpstreamErrorKind = connection.requestBody.isDone ? .readTimeout : .sendTimeout
            counters.countUpstreamError(upstream: name, kind: kind)
            Log.warning("upstream timed out", ["upstream": name, "endpoint": upstream.endpoint.addressText, "kind": kind.rawValue])
            if kind == .readTimeout {
                upstreamFailed(connection, upstream, status: 504)
            } else {
                // The body streams from the client as it comes: a client that sends it slowly
                // stalls this side too, and must not get a healthy endpoint ejected.
                failExchange(connection, status: 504)
            }
        }
    }
}
