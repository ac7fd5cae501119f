import ApusCore
import ApusHTTP

extension Worker {
    /// Chooses the response edits for the request's Origin; answers a preflight (`OPTIONS`
    /// from an allowed origin) with 204 and returns true, as ingress-nginx does.
    func applyCORS(_ cors: CompiledCORS, _ connection: DownstreamConnection, _ exchange: Exchange, _ raw: UnsafeRawBufferPointer) -> Bool {
        let origin = cors.anyOrigin == nil ? Self.originField(exchange, raw) : nil
        let (edits, allowed) = cors.decide(origin: origin, tls: connection.listener.isTLS)
        exchange.responseEdits = edits
        guard allowed, exchange.head.method == .options else { return false }
        var response = LocalResponse(status: 204, edits: edits)
        response.header("Content-Type", "text/plain charset=UTF-8")
        response.header("Content-Length", "0")
        _ = exchange.machine.handle(.respondLocally(status: 204, close: false), now: now)
        response.dateLine(dateHeader)
        response.finishHead(keepAlive: exchange.machine.keepAlive)
        sendLocalResponse(connection, exchange, response.bytes)
        return true
    }

    private static func originField(_ exchange: Exchange, _ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        for field in exchange.head.headers where field.nameEnd - field.nameStart == 6 {
            let name = raw[Int(field.nameStart)..<Int(field.nameEnd)]
            if zip(name, "origin".utf8).allSatisfy({ $0 | 0x20 == $1 }) {
                return UnsafeRawBufferPointer(rebasing: raw[Int(field.valueStart)..<Int(field.valueEnd)])
            }
        }
        return nil
    }
}
