import ApusNet
import Glibc

extension Worker {
    /// Accepts until the queue is empty (edge-triggered listener).
    func acceptConnections(_ listener: ListenerInfo) {
        var peer = sockaddr_storage()
        while !draining {
            let fd = Sockets.accept(listener.fd, peer: &peer)
            if fd < 0 {
                let code = errno
                if code == EAGAIN || code == EWOULDBLOCK { return }
                if code == EINTR || code == ECONNABORTED { continue }
                // EMFILE/ENFILE/ENOBUFS: stop for this round rather than spin.
                Log.warning("accept failed", ["listener": listener.name, "error": Posix.describe(code)])
                return
            }
            let address = SocketAddress(storage: peer, length: socklen_t(MemoryLayout<sockaddr_storage>.size))
            let tag = nextTag(fd: fd)
            let connection = DownstreamConnection(fd: fd, tag: tag, listener: listener, peer: Array(address.hostText.utf8))
            setSlot(fd, .downstream(connection))
            epoll.add(fd, events: Epoll.edgeAll, tag: tag)
            downstreamCount += 1
            counters.accepted += 1
            setDeadline(connection, now + UInt64(table.timeouts.headerRead))
        }
    }
}
