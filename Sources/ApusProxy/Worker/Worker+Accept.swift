import ApusCore
import ApusNet
import Glibc

extension Worker {
    /// Accepts one connection per readiness event. The listener is level-triggered, so
    /// epoll reports it again while connections wait; draining the queue instead would end
    /// every round with an accept that fails with EAGAIN, one syscall more per connection
    /// when clients connect one at a time (nginx's `multi_accept off` does the same).
    func acceptConnections(_ listener: ListenerInfo) {
        var peer = sockaddr_storage()
        guard !draining else { return }
        do {
            let fd = Sockets.accept(listener.fd, peer: &peer)
            if fd < 0 {
                let code = errno
                if code == EAGAIN || code == EWOULDBLOCK || code == EINTR || code == ECONNABORTED { return }
                // EMFILE/ENFILE/ENOBUFS: a level-triggered listener would wake the loop
                // again at once; stop listening until the next tick instead of spinning.
                Log.warning("accept failed; pausing this listener for a second", ["listener": listener.name, "error": Posix.describe(code)])
                pauseListener(listener)
                return
            }
            if fd >= downstreamDescriptorCeiling && !listener.isAdmin {
                Posix.close(fd)
                Log.warning("open-file limit nearly reached; client connection closed, this listener paused for a second", [
                    "listener": listener.name, "limit": String(OpenFileLimit.current()),
                ])
                pauseListener(listener)
                return
            }
            let address = SocketAddress(storage: peer, length: socklen_t(MemoryLayout<sockaddr_storage>.size))
            let tag = nextTag(fd: fd)
            var transport = Transport(fd: fd, readable: true, writable: true, noDelaySet: false)
            if listener.isTLS {
                guard let server = tls.servers[listener.address], let stream = server.makeStream(fd: fd, coalescing: tlsCoalescing, offersHTTP2: listener.http2) else {
                    Log.warning("no TLS context for an HTTPS listener; connection closed", ["listener": listener.name])
                    Posix.close(fd)
                    return
                }
                // The handshake alone is several writes (server flight, then tickets).
                Sockets.setNoDelay(fd)
                transport = Transport(fd: fd, readable: true, writable: true, noDelaySet: true)
                transport.tls = stream
            }
            let connection = DownstreamConnection(
                transport: transport, tag: tag, listener: listener, peer: address.hostTextBytes, address: ClientAddress(address))
            if listener.proxyProtocol {
                connection.phase = .awaitingProxyHeader
            } else if listener.isTLS {
                connection.phase = .handshaking
            }
            setSlot(fd, .downstream(connection))
            connection.transport.register(in: epoll, tag: tag)
            downstreamCount += 1
            counters.accepted += 1
            let timeout = listener.isTLS ? table.timeouts.tlsHandshake : table.timeouts.headerRead
            setDeadline(connection, now + UInt64(timeout))
        }
    }

    /// Out of epoll until the next tick: a level-triggered listener would wake the loop again
    /// at once.
    private func pauseListener(_ listener: ListenerInfo) {
        epoll.remove(listener.fd)
        pausedListeners.append(listener)
    }
}
