import ApusCore
import ApusHTTP

/// A route's client limits (see `RateLimitConfig`), counted in the table every worker shares.
extension Worker {
    /// False when the request was answered: over a rate (`limits.rate_limit_status`, with
    /// Retry-After on 429) or over the requests in progress (`connection_limit_status`).
    @inline(never)
    func admitsWithinLimits(_ limit: CompiledRateLimit, _ connection: DownstreamConnection, _ exchange: Exchange) -> Bool {
        let client = exchange.clientAddress
        if limit.exempts(client) { return true }
        let rates = state.clientRates
        if let rate = limit.perSecond, let wait = rates.admit(rate, client: client, now: now) {
            refuseOverRate(connection, exchange, waitMilliseconds: wait)
            return false
        }
        if let rate = limit.perMinute, let wait = rates.admit(rate, client: client, now: now) {
            // nginx charges its zones only when all of them pass.
            if let perSecond = limit.perSecond { rates.refund(perSecond, client: client) }
            refuseOverRate(connection, exchange, waitMilliseconds: wait)
            return false
        }
        if limit.connections > 0 {
            switch rates.acquire(zone: limit.connectionZone, client: client, limit: limit.connections, now: now) {
            case .refused:
                counters.limitRefusals += 1
                respondError(connection, exchange, status: table.limits.connectionLimitStatus)
                return false
            case .uncounted:
                return true
            case .counted:
                break
            }
            exchange.heldConnectionZone = limit.connectionZone
            exchange.heldConnectionClient = client
            // The release tests this field first (`releaseExchange`).
            if exchange.ownedResponseEdits == nil { exchange.ownedResponseEdits = Exchange.authMarker }
        }
        return true
    }

    private func refuseOverRate(_ connection: DownstreamConnection, _ exchange: Exchange, waitMilliseconds: UInt64) {
        counters.limitRefusals += 1
        let status = table.limits.rateLimitStatus
        guard status == 429 else {
            respondError(connection, exchange, status: status)
            return
        }
        var response = LocalResponse(status: 429)
        response.header("Content-Type", "text/plain; charset=utf-8")
        response.header("Retry-After", String((waitMilliseconds + 999) / 1000))
        finishLocal(connection, exchange, status: 429, response: &response, body: Array("429 Too Many Requests\n".utf8))
    }

    func releaseConnectionLimit(_ exchange: Exchange) {
        state.clientRates.release(zone: exchange.heldConnectionZone, client: exchange.heldConnectionClient)
        exchange.heldConnectionZone = 0
    }
}
