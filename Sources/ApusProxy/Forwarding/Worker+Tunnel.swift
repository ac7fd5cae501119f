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
            if !exchange.tunnel.upstreamShut {
                // Downstream → upstream: what the client sent (a request body still on its way
                // included), then its FIN.
                var none = PendingBytes()
                var tally = Relay.Tally()
                let step = Relay.pump(
                    ahead: &none, buffer: &connection.input, framing: &exchange.tunnel.upstreamward,
                    from: &connection.transport, to: &upstream.transport, buffers: buffers, tally: &tally)
                counters.tunnels.bytesUpstreamward &+= UInt64(tally.bodyWritten)
                if tally.moved { progress = true }
                if connection.input.isEmpty { buffers.release(&connection.input) }
                switch step {
                case .done:
                    exchange.tunnel.upstreamShut = true
                    upstream.transport.shutdownWrite()
                    progress = true
                case .progress, .blocked:
                    break
                default:
                    endTunnel(connection, exchange, .error)
                    return
                }
            }
            if !exchange.tunnel.downstreamShut {
                // Upstream → downstream: the rest of the 101 head, what the upstream sent,
                // then its FIN.
                var tally = Relay.Tally()
                let step = Relay.pump(
                    ahead: &exchange.output, buffer: &upstream.input, framing: &exchange.tunnel.downstreamward,
                    from: &upstream.transport, to: &connection.transport, buffers: buffers, tally: &tally)
                exchange.bytesSent += tally.aheadWritten + tally.bodyWritten
                counters.tunnels.bytesDownstreamward &+= UInt64(tally.bodyWritten)
                if tally.moved { progress = true }
                if upstream.input.isEmpty { buffers.release(&upstream.input) }
                switch step {
                case .done:
                    exchange.tunnel.downstreamShut = true
                    connection.transport.shutdownWrite()
                    progress = true
                case .progress, .blocked:
                    break
                default:
                    endTunnel(connection, exchange, .error)
                    return
                }
            }
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

    /// Closes both connections and writes the exchange's log line (status 101, bytes sent
    /// downstream including the tunnel's, duration = the tunnel's lifetime).
    func endTunnel(_ connection: DownstreamConnection, _ exchange: Exchange, _ end: TunnelCounters.End) {
        counters.tunnels.countEnd(end)
        if let upstream = exchange.upstream { detachAndClose(exchange, upstream) }
        logAndCount(connection, exchange)
        closeDownstream(connection)
    }
}
