import ApusCore
import ApusNet
import Glibc

extension Worker {
    /// Reads the PROXY protocol header a load balancer puts before the client's bytes.
    ///
    /// The header is peeked, not read: only its own bytes are taken from the socket, so a
    /// TLS ClientHello or an HTTP head behind it is read by the usual path (OpenSSL reads
    /// the socket itself). A connection that does not start with a valid header is closed,
    /// as HAProxy's `accept-proxy` and nginx's `proxy_protocol` do.
    func readProxyHeader(_ connection: DownstreamConnection) {
        guard connection.transport.readable else { return }
        buffers.acquire(into: &connection.input)
        let wanted = min(connection.input.freeCount, ProxyProtocolHeader.maximumLength)
        let peeked = recv(connection.fd, connection.input.writePointer, wanted, Int32(MSG_PEEK))
        if peeked <= 0 {
            let code = errno
            if peeked < 0 && (code == EAGAIN || code == EWOULDBLOCK || code == EINTR) {
                connection.transport.readable = false
                buffers.release(&connection.input)
                return
            }
            closeDownstream(connection)
            return
        }
        let bytes = UnsafeRawBufferPointer(start: connection.input.writePointer, count: peeked)
        switch ProxyProtocolHeader.parse(bytes) {
        case .needMore:
            // All that has arrived is a header's beginning; the next bytes wake the loop.
            connection.transport.readable = false
            buffers.release(&connection.input)
        case .invalid(let reason):
            counters.proxyProtocolRefusals += 1
            Log.debug("PROXY protocol header refused; connection closed", ["listener": connection.listener.name, "reason": reason])
            closeDownstream(connection)
        case .header(let length, let source):
            guard case .bytes(length) = Posix.receive(connection.fd, connection.input.writePointer, length) else {
                closeDownstream(connection)
                return
            }
            buffers.release(&connection.input)
            if let source {
                connection.peer = source.hostTextBytes
                connection.address = ClientAddress(source)
            }
            connection.phase = connection.listener.isTLS ? .handshaking : .awaitingHead
            driveDownstream(connection)
        }
    }
}
