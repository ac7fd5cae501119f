import ApusNet

extension Worker {
    /// The upstream answered the Upgrade request with 101 (its head is in `output`): from
    /// here on both connections carry opaque bytes, under one idle deadline that lives on
    /// the downstream.
    func startTunnel(_ connection: DownstreamConnection, _ upstream: UpstreamConnection) {
        let idle = UInt64(table.timeouts.tunnelIdle)
        connection.phase = .tunneling
        connection.tunnel = TunnelState(idleMilliseconds: idle)
        // The upstream's read/send timeouts no longer apply.
        upstream.deadline.at = 0
        if idle > 0 {
            setDeadline(connection, now + idle)
        } else {
            connection.deadline.at = 0
        }
        counters.tunnels.opened &+= 1
        counters.tunnels.active += 1
        pumpTunnel(connection, upstream)
    }

    /// Relays both directions until neither can move a byte; ends the tunnel once both
    /// FINs went through.
    func pumpTunnel(_ connection: DownstreamConnection, _ upstream: UpstreamConnection) {
        let exchange = connection.exchange!
        var progress = true
        while progress {
            progress = false
            switch relayUpstreamward(connection, upstream, exchange) {
            case .progress: progress = true
            case .blocked: break
            case .stop: return
            }
            switch relayDownstreamward(connection, upstream, exchange) {
            case .progress: progress = true
            case .blocked: break
            case .stop: return
            }
        }
        if exchange.tunnel.isFinished { endTunnel(connection, .closed) }
    }

    /// Downstream → upstream: what the client sent, then its FIN.
    private func relayUpstreamward(_ connection: DownstreamConnection, _ upstream: UpstreamConnection, _ exchange: Exchange) -> PumpStep {
        var progressed = false
        relay: while true {
            let pending = connection.input.readableCount
            if pending > 0 {
                guard upstream.writable else { break relay }
                let bytes = UnsafeRawPointer(connection.input.readPointer)
                switch upstream.writev2(bytes, pending, bytes, 0) {
                case .bytes(let n):
                    connection.input.consume(n)
                    if n < pending && upstream.shortWriteFills { upstream.writable = false }
                    counters.tunnels.bytesUpstreamward &+= UInt64(n)
                    progressed = true
                    continue relay
                case .wouldBlock:
                    upstream.writable = false
                    break relay
                case .endOfStream, .failed:
                    endTunnel(connection, .error)
                    return .stop
                }
            }
            // Only an empty buffer is refilled: while the upstream can't take bytes, the
            // downstream is not read.
            if exchange.tunnel.downstreamFinished {
                if !exchange.tunnel.upstreamShut {
                    exchange.tunnel.upstreamShut = true
                    upstream.shutdownWrite()
                    progressed = true
                }
                break relay
            }
            guard connection.readable else { break relay }
            buffers.acquire(into: &connection.input)
            let room = connection.input.freeCount
            switch connection.read(connection.input.writePointer, room) {
            case .bytes(let n):
                connection.input.writeIndex += n
                if n < room && connection.shortReadDrains { connection.readable = false }
                progressed = true
            case .wouldBlock:
                connection.readable = false
            case .endOfStream:
                exchange.tunnel.downstreamFinished = true
                progressed = true
            case .failed:
                endTunnel(connection, .error)
                return .stop
            }
        }
        if connection.input.isEmpty { buffers.release(&connection.input) }
        guard progressed else { return .blocked }
        if exchange.tunnel.idleMilliseconds > 0 { connection.deadline.at = now + exchange.tunnel.idleMilliseconds }
        return .progress
    }

    /// Upstream → downstream: the rest of the 101 head, what the upstream sent, then its FIN.
    private func relayDownstreamward(_ connection: DownstreamConnection, _ upstream: UpstreamConnection, _ exchange: Exchange) -> PumpStep {
        var progressed = false
        relay: while true {
            let headLeft = exchange.output.count - exchange.outputSent
            let pending = upstream.input.readableCount
            if headLeft > 0 || pending > 0 {
                guard connection.writable else { break relay }
                let result: IOResult
                if headLeft == 0 {
                    result = connection.send(upstream.input.readPointer, pending)
                } else {
                    result = exchange.output.withUnsafeBytes { head in
                        connection.writev2(
                            head.baseAddress! + exchange.outputSent, headLeft,
                            upstream.input.base.map { UnsafeRawPointer($0 + upstream.input.readIndex) } ?? head.baseAddress!, pending)
                    }
                }
                switch result {
                case .bytes(var n):
                    if n < headLeft + pending && connection.shortWriteFills { connection.writable = false }
                    exchange.bytesSent += n
                    if headLeft > 0 {
                        let fromHead = min(n, headLeft)
                        exchange.outputSent += fromHead
                        n -= fromHead
                        if exchange.outputSent == exchange.output.count {
                            exchange.output.removeAll(keepingCapacity: true)
                            exchange.outputSent = 0
                        }
                    }
                    upstream.input.consume(n)
                    counters.tunnels.bytesDownstreamward &+= UInt64(n)
                    progressed = true
                    continue relay
                case .wouldBlock:
                    connection.writable = false
                    break relay
                case .endOfStream, .failed:
                    endTunnel(connection, .error)
                    return .stop
                }
            }
            if exchange.tunnel.upstreamFinished {
                if !exchange.tunnel.downstreamShut {
                    exchange.tunnel.downstreamShut = true
                    connection.shutdownWrite()
                    progressed = true
                }
                break relay
            }
            guard upstream.readable else { break relay }
            buffers.acquire(into: &upstream.input)
            let room = upstream.input.freeCount
            switch upstream.read(upstream.input.writePointer, room) {
            case .bytes(let n):
                upstream.input.writeIndex += n
                if n < room && upstream.shortReadDrains { upstream.readable = false }
                progressed = true
            case .wouldBlock:
                upstream.readable = false
            case .endOfStream:
                exchange.tunnel.upstreamFinished = true
                progressed = true
            case .failed:
                endTunnel(connection, .error)
                return .stop
            }
        }
        if upstream.input.isEmpty { buffers.release(&upstream.input) }
        guard progressed else { return .blocked }
        if exchange.tunnel.idleMilliseconds > 0 { connection.deadline.at = now + exchange.tunnel.idleMilliseconds }
        return .progress
    }

    /// Closes both connections and writes the exchange's log line (status 101, bytes sent
    /// downstream including the tunnel's, duration = the tunnel's lifetime).
    func endTunnel(_ connection: DownstreamConnection, _ end: TunnelCounters.End) {
        counters.tunnels.countEnd(end)
        if let upstream = connection.upstream { detachAndClose(connection, upstream) }
        logAndCount(connection)
        closeDownstream(connection)
    }
}
