import ApusHTTP

extension ExchangeMachine {
    /// What becomes of an exchange whose upstream connection failed (or that no endpoint
    /// could take).
    enum Verdict: Equatable {
        /// Eject the endpoint when `blame`, send the request to another endpoint.
        case retry(blame: Bool)
        /// A fresh connection to the same endpoint, nothing blamed or counted.
        case reconnect
        /// Give up: answer `status` (or cut the response, if one began).
        case fail(status: Int, blame: Bool)

        /// - connect failures (refused, timeout, TLS) happen before any request byte left:
        ///   the endpoint is ejected and another one tried, whatever the method;
        /// - a pooled connection closed before any answer is a keep-alive race, not the
        ///   endpoint's fault: sent once more on a fresh connection when replayable;
        /// - a reset or read timeout after the request went: blamed, and retried elsewhere
        ///   only when replayable;
        /// - a send timeout is the client's slowness as much as the upstream's (the body
        ///   streams from the client): not blamed, not retried;
        /// - an invalid response is not retried (another endpoint runs the same code), and
        ///   our own shortage of sockets blames nobody;
        /// - a stream an HTTP/2 upstream refused unprocessed goes again on a connection
        ///   that takes streams, whatever the method (`resendable`: no body byte of it went,
        ///   as Apus streams bodies and keeps none to send twice, and it was not refused
        ///   too often already); nothing is blamed, as the upstream said it did nothing.
        static func on(_ failure: Failure, attemptsLeft: Bool, replayable: Bool, pooledRace: Bool, resendable: Bool = false) -> Verdict {
            switch failure {
            case .noEndpoint:
                return .fail(status: 503, blame: false)
            case .localResources:
                return .fail(status: 502, blame: false)
            case .connectRefused, .connectTimeout, .tlsHandshake:
                return attemptsLeft ? .retry(blame: true) : .fail(status: failure == .connectTimeout ? 504 : 502, blame: true)
            case .reset:
                if pooledRace { return replayable ? .reconnect : .fail(status: 502, blame: false) }
                return replayable && attemptsLeft ? .retry(blame: true) : .fail(status: 502, blame: true)
            case .readTimeout:
                return replayable && attemptsLeft ? .retry(blame: true) : .fail(status: 504, blame: true)
            case .tooManyInterimResponses:
                return replayable && attemptsLeft ? .retry(blame: true) : .fail(status: 502, blame: true)
            case .refused:
                return resendable ? .reconnect : .fail(status: 502, blame: false)
            case .sendTimeout:
                return .fail(status: 504, blame: false)
            case .invalidResponse:
                return .fail(status: 502, blame: false)
            }
        }
    }
}
