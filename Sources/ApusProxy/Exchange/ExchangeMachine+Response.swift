import ApusHTTP

extension ExchangeMachine.ResponsePlan {
    /// How a final response (not 101) from upstream goes downstream, and whether the
    /// connection must close after it for its framing's sake:
    /// - no body: HEAD, 204 and 304 get none; any other status gets `Content-Length: 0`
    ///   so an HTTP/1.1 client does not wait for a close;
    /// - HEAD: a Content-Length describes the body a GET would get; none follows;
    /// - chunked passes through to an HTTP/1.1 client, and is unframed for an HTTP/1.0
    ///   one, whose response then ends with the connection (as until-close bodies do);
    /// - compressed: the payload (chunked framing stripped) goes through gzip into chunks.
    static func make(status: Int, framing: BodyFraming, compress: Bool, request: ExchangeMachine.Request)
        -> (plan: ExchangeMachine.ResponsePlan, closes: Bool) {
        typealias Plan = ExchangeMachine.ResponsePlan
        if compress {
            switch framing {
            case .none: return (Plan(framing: .chunked, body: .none, compressed: true), false)
            case .contentLength(let length): return (Plan(framing: .chunked, body: .length, bodyLength: length, compressed: true), false)
            case .chunked: return (Plan(framing: .chunked, body: .chunkedStrip, compressed: true), false)
            case .untilClose: return (Plan(framing: .chunked, body: .untilClose, compressed: true), false)
            }
        }
        switch framing {
        case .none:
            let none = status == 204 || status == 304 || request.method == .head
            return (Plan(framing: none ? .none : .contentLength(0), body: .none, compressed: false), false)
        case .contentLength(let length):
            if request.method == .head { return (Plan(framing: .contentLength(length), body: .none, compressed: false), false) }
            return (Plan(framing: .contentLength(length), body: .length, bodyLength: length, compressed: false), false)
        case .chunked:
            if request.version == .http11 { return (Plan(framing: .chunked, body: .chunkedPass, compressed: false), false) }
            return (Plan(framing: .untilClose, body: .chunkedStrip, compressed: false), true)
        case .untilClose:
            return (Plan(framing: .untilClose, body: .untilClose, compressed: false), true)
        }
    }
}
