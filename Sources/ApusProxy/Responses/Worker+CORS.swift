import ApusCore
import ApusHTTP

/// CORS as ingress-nginx does it. The route's response edits already hold what a request
/// from no listed origin gets (`CompiledRoute.corsMode`); only a request with an Origin
/// field on a route with a list of origins is looked at here.
extension Worker {
    /// Chooses the edits for a listed origin; answers a preflight (`OPTIONS` from an
    /// allowed origin) with 204 and returns true.
    func applyCORS(route: Int, origin: UnsafeRawBufferPointer, _ connection: DownstreamConnection, _ exchange: Exchange) -> Bool {
        let (edits, allowed) = table.routes[route].cors.unsafelyUnwrapped.decide(origin: origin, tls: connection.listener.isTLS)
        exchange.ownedResponseEdits = edits
        exchange.responseEdits = edits
        guard allowed, exchange.head.method == .options else { return false }
        answerPreflight(connection, exchange)
        return true
    }

    /// 204 with the exchange's response edits (the CORS fields among them).
    func answerPreflight(_ connection: DownstreamConnection, _ exchange: Exchange) {
        var response = LocalResponse(status: 204, edits: exchange.responseEdits)
        response.header("Content-Type", "text/plain charset=UTF-8")
        response.header("Content-Length", "0")
        _ = exchange.machine.handle(.respondLocally(status: 204, close: false), now: now)
        response.dateLine(dateHeader)
        response.finishHead(keepAlive: exchange.machine.keepAlive)
        sendLocalResponse(connection, exchange, response.bytes)
    }

    /// The Origin field's value, found by comparing each six-byte name as two words.
    static func originField(_ exchange: Exchange, _ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard let base = raw.baseAddress else { return nil }
        // "orig" and "igin" as little-endian words, letters folded to lowercase by `| 0x20`.
        let head: UInt32 = 0x6769_726F
        let tail: UInt32 = 0x6E69_6769
        return exchange.head.headers.withUnsafeBufferPointer { fields in
            for field in fields where field.nameEnd &- field.nameStart == 6 {
                let name = base + Int(field.nameStart)
                if name.loadUnaligned(as: UInt32.self) | 0x2020_2020 == head
                    && name.loadUnaligned(fromByteOffset: 2, as: UInt32.self) | 0x2020_2020 == tail {
                    return UnsafeRawBufferPointer(rebasing: raw[Int(field.valueStart)..<Int(field.valueEnd)])
                }
            }
            return nil
        }
    }
}
