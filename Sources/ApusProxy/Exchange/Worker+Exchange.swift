import ApusCore
import ApusHTTP
import ApusNet

/// Carrying out what an exchange's machine decided: the worker side of `ExchangeMachine`.
extension Worker {
    /// Makes every step the exchange can make now (a downstream event arrived).
    @inline(__always)
    func driveExchange(_ connection: DownstreamConnection, _ exchange: Exchange) {
        switch exchange.machine.stage {
        case .responding: flushLocalResponse(connection, exchange)
        case .exchanging: if let upstream = exchange.upstream { pump(connection, exchange, upstream) }
        case .tunneling: if let upstream = exchange.upstream { pumpTunnel(connection, exchange, upstream) }
        case .routing, .connecting, .done: return
        }
    }

    /// Does what `action` says, then mirrors the machine's deadlines into the timer wheel.
    func carryOut(_ action: ExchangeMachine.Action, _ connection: DownstreamConnection, _ exchange: Exchange) {
        switch action {
        case .proceed:
            syncDeadlines(connection, exchange)
        case .connect:
            connectUpstream(connection, exchange)
        case .sendRequest:
            syncDeadlines(connection, exchange)
            if let upstream = exchange.upstream { pump(connection, exchange, upstream) }
        case .retry(let failure, let blame):
            letGoOfUpstream(exchange, after: failure, blame: blame)
            connectUpstream(connection, exchange)
        case .reconnect:
            // Not the endpoint's failure, and not counted: the request goes again, once.
            let endpoint = exchange.machine.endpoint
            if let upstream = exchange.upstream {
                if upstream.fd < 0 { exchange.machine.resentAfterStreamRace() }
                detachAndClose(exchange, upstream)
            }
            attachConnection(connection, exchange, endpoint: endpoint)
        case .respond(let status, let failure, let blame):
            if let failure { letGoOfUpstream(exchange, after: failure, blame: blame) }
            if let upstream = exchange.upstream { detachAndClose(exchange, upstream) }
            if failure != nil, let backend = exchange.errorBackend, backend.intercepts(status) {
                divertToErrorBackend(connection, exchange, backend, status: status)
                return
            }
            syncDeadlines(connection, exchange)
            sendErrorPage(connection, exchange, status: status)
        case .cut(let failure, let blame):
            if let failure { letGoOfUpstream(exchange, after: failure, blame: blame) }
            closeDownstream(connection)
        case .abandon:
            logAndCount(connection, exchange)
            closeDownstream(connection)
        case .finish(let ending, let release):
            if let upstream = exchange.upstream {
                detach(exchange, upstream)
                if release == .pool { releaseToPool(upstream) } else { closeUpstream(upstream) }
            }
            logAndCount(connection, exchange)
            endExchange(connection, ending)
        case .endIdleTunnel:
            endTunnel(connection, exchange, .idleTimeout)
        case .closeStalled:
            // The client stopped reading its response for too long.
            closeDownstream(connection)
        case .forwardResponse, .startTunnel:
            // Answers to a response head, carried out where the head is read.
            break
        }
    }

    /// Mirrors the machine's deadlines onto the connections (moving one later only stores
    /// the time; see `Deadline`).
    @inline(__always)
    func syncDeadlines(_ connection: DownstreamConnection, _ exchange: Exchange) {
        let downstreamAt = exchange.machine.downstreamDeadline
        if connection.deadline.at != downstreamAt {
            if downstreamAt == 0 { connection.deadline.at = 0 } else { setDeadline(connection, downstreamAt) }
        }
        if let upstream = exchange.upstream {
            let upstreamAt = exchange.machine.upstreamDeadline
            if upstream.deadline.at != upstreamAt {
                if upstreamAt == 0 { upstream.deadline.at = 0 } else { setDeadline(upstream, upstreamAt) }
            }
        }
    }

    /// Reports an upstream failure to the exchange and carries out the verdict.
    func upstreamFailed(_ connection: DownstreamConnection, _ exchange: Exchange, _ failure: ExchangeMachine.Failure) {
        carryOut(exchange.machine.handle(.upstreamFailed(failure), now: now), connection, exchange)
    }

    /// Counts a failure against the exchange's upstream, ejects the endpoint of the attempt
    /// when blamed, and closes the attempt's connection.
    private func letGoOfUpstream(_ exchange: Exchange, after failure: ExchangeMachine.Failure, blame: Bool) {
        let runtime = exchange.runtime!
        let index = exchange.machine.endpoint
        let endpoint = index >= 0 && index < runtime.endpoints.count ? runtime.endpoints[index] : nil
        counters.countUpstreamError(upstream: runtime.name, kind: failure.metricKind)
        if blame { endpoint?.failed(at: now) }
        // An attempt that timed out took at least that long: the `ewma` balancer must see
        // it, or a hanging endpoint would look fast for want of answers.
        if exchange.attemptStartMicros != 0, let endpoint, failure.metricKind == .readTimeout || failure.metricKind == .connectTimeout
            || failure.metricKind == .sendTimeout {
            observeLatency(exchange, endpoint)
        }
        if let message = failure.logMessage(blamed: blame) {
            Log.warning(message, ["upstream": runtime.name, "endpoint": endpoint?.addressText ?? "", "kind": failure.metricKind.rawValue])
        }
        if let upstream = exchange.upstream { detachAndClose(exchange, upstream) }
    }

    /// Tells the exchange a downstream write happened (a short write starts the send
    /// timeout; any write pushes it back while it runs) and mirrors its deadlines.
    @inline(__always)
    func noteDownstreamWrite(_ connection: DownstreamConnection, _ exchange: Exchange, blocked: Bool) {
        _ = exchange.machine.handle(.downstreamWrote(blocked: blocked), now: now)
        syncDeadlines(connection, exchange)
    }
}

extension ExchangeMachine.Failure {
    var metricKind: UpstreamErrorKind {
        switch self {
        case .noEndpoint: .noEndpoint
        case .localResources: .localResources
        case .connectRefused: .connectRefused
        case .connectTimeout: .connectTimeout
        case .tlsHandshake: .tlsHandshake
        case .reset: .reset
        case .sendTimeout: .sendTimeout
        case .readTimeout: .readTimeout
        case .invalidResponse: .invalidResponse
        case .tooManyInterimResponses: .tooManyInterimResponses
        case .refused: .reset
        }
    }

    /// The warning logged when the exchange lets go of a failed connection; nil where the
    /// detail was logged where the failure was seen (or there is nothing to say).
    func logMessage(blamed: Bool) -> String? {
        switch self {
        case .connectRefused, .connectTimeout, .tlsHandshake: "upstream connect failed"
        case .readTimeout, .sendTimeout: "upstream timed out"
        // A reset nobody is blamed for: a pooled connection closed under a request that
        // may not be sent twice.
        case .reset: blamed ? "upstream failed" : "upstream closed a reused connection under a request that is not sent twice"
        case .noEndpoint, .localResources, .invalidResponse, .tooManyInterimResponses, .refused: nil
        }
    }
}
