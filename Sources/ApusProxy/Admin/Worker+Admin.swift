import ApusCore
import ApusNet

extension Worker {
    /// The admin listener: health, readiness, metrics and the compiled table.
    func answerAdmin(_ connection: DownstreamConnection, _ exchange: Exchange, path: String) {
        let status: Int
        let body: String
        var contentType = "text/plain; charset=utf-8"
        switch path {
        case "/healthz":
            (status, body) = (200, "ok\n")
        case "/readyz":
            (status, body) = state.isReady && !state.isDraining ? (200, "ready\n") : (503, state.isDraining ? "draining\n" : "not ready\n")
        case "/metrics":
            flushCounters()
            (status, body) = (200, state.metrics.render())
            contentType = "text/plain; version=0.0.4; charset=utf-8"
        case "/routes":
            (status, body) = (200, table.renderJSON(generation: generation, diagnostics: state.publisher.current().snapshot.diagnostics))
            contentType = "application/json"
        default:
            (status, body) = (404, "not found\n")
        }
        var response = LocalResponse(status: status)
        response.header("Content-Type", contentType)
        response.header("Cache-Control", "no-store")
        finishLocal(connection, exchange, status: status, response: &response, body: Array(body.utf8))
    }
}
