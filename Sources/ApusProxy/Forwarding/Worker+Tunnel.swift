import ApusNet

/// An exchange the upstream upgraded (101): both connections carry opaque bytes, each
/// direction through `Relay`, under one idle deadline that lives on the downstream.
extension Worker {
    /// The upstream answered the Upgrade request with 101 (its head is in `output`).
    func startTunnel(_ connection: DownstreamConnection, _ exchange: Exchange, _ upstream: UpstreamConnection) {
        exchange.tunnel = TunnelState()
        counters.tunnels.opened &+= 1
        counters.tunnels.active += 1
        syncDeadlines(connection, exchange)
        pumpTunnel(connection, exchange, upstream)
    }

    /// Relays both directions until neither can move a byte; ends the tunnel once both
    /// FINs went through.
    func pumpTunnel(_ connection: DownstreamConnection, _ exchange: Exchange, _ upstream: UpstreamConnection) {
        var moved = false
        var progress = true
        while progress {
            progress = false
            // Downstream → upstream: what the client sent (a request body still on its way
            // included), then its FIN.
            var none = PendingBytes()
            var upstreamward = Relay.Tally()
            let upOK = relayTunnelDirection(
                ahead: &none, buffer: &connection.input, direction: &exchange.tunnel.upstreamward, from: &connection.transport, to: &upstream.transport, tally: &upstreamward)
            counters.tunnels.bytesUpstreamward &+= UInt64(upstreamward.bodyWritten)
            // Upstream → downstream: the rest of the 101 head, what the upstream sent, then its FIN.
            var downstreamward = Relay.Tally()
            let downOK = upOK && relayTunnelDirection(
                ahead: &exchange.output, buffer: &upstream.input, direction: &exchange.tunnel.downstreamward, from: &upstream.transport, to: &connection.transport, tally: &downstreamward)
            exchange.bytesSent += downstreamward.aheadWritten + downstreamward.bodyWritten
            counters.tunnels.bytesDownstreamward &+= UInt64(downstreamward.bodyWritten)
            guard downOK else {
                endTunnel(connection, exchange, .error)
                return
            }
            progress = upstreamward.moved || downstreamward.moved
            if progress { moved = true }
        }
        if exchange.tunnel.isFinished {
            endTunnel(connection, exchange, .closed)
            return
        }
        if moved {
            _ = exchange.machine.handle(.tunnelMoved, now: now)
            syncDeadlines(connection, exchange)
        }
    }

    /// One direction of a tunnel, until it cannot move a byte: at its sender's FIN (with
    /// every byte before it delivered) the FIN is passed on. The buffer goes back to the
    /// pool once drained. False when the tunnel failed.
    private func relayTunnelDirection(ahead: inout PendingBytes, buffer: inout IOBuffer, direction: inout TunnelState.Direction,
                                      from source: inout Transport, to sink: inout Transport, tally: inout Relay.Tally) -> Bool {
        guard !direction.shut else { return true }
        let step = Relay.pump(
            ahead: &ahead, buffer: &buffer, framing: &direction.framing, from: &source, to: &sink, buffers: buffers, tally: &tally)
        if buffer.isEmpty { buffers.release(&buffer) }
        switch step {
        case .done:
            direction.shut = true
            sink.shutdownWrite()
            return true
        case .progress, .blocked:
            return true
        default:
            return false
        }
    }

    /// Closes both connections and writes the exchange's log line (status 101, bytes sent
    /// downstream including the tunnel's, duration = the tunnel's lifetime).
    func endTunnel(_ connection: DownstreamConnection, _ exchange: Exchange, _ end: TunnelCounters.End) {
        counters.tunnels.countEnd(end)
        if let upstream = exchange.upstream { detachAndClose(exchange, upstream) }
        logAndCount(connection, exchange)
        closeDownstream(connection)
    }
}
