import ApusCore
import ApusHTTP
import ApusNet

/// Error pages from another upstream (`error_backend`; ingress-nginx's `custom-http-errors`
/// with `default-backend`). An upstream answer with a listed status, or Apus's own 502,
/// 503 or 504 when listed, is not passed on: the error backend gets a request for `/`
/// without a body, as ingress-nginx's `@custom_…` location sends it (the client's method
/// and fields, `X-Code`, `X-Format`, `X-Original-URI`, the route's `X-Namespace`,
/// `X-Ingress-Name`, `X-Service-Name` and `X-Service-Port`, `X-Request-ID`,
/// `X-Forwarded-For`), and its answer, whatever its status, is the client's. A route whose
/// upstream has no endpoint sends the same request with `X-Code: 503`.
extension Worker {
    /// The client's fields left out: framing and connection fields, and the ones written here.
    private static let errorRequestDroppedFields: Set<[UInt8]> = Set((SubRequestFields.connectionFields + [
        "x-code", "x-format", "x-original-uri", "x-namespace", "x-ingress-name", "x-service-name", "x-service-port",
        "x-request-id", "x-forwarded-for",
    ] + Worker.clientCertificateFields).map { Array($0.utf8) })

    /// Keeps what a diverted answer would need once the head left the input buffer: the
    /// head's bytes and the X-Request-ID the upstream saw.
    func keepForErrorBackend(_ connection: DownstreamConnection, _ exchange: Exchange, _ backend: CompiledErrorBackend,
                             requestID: (UInt64, UInt64)) {
        exchange.errorBackend = backend
        if exchange.ownedResponseEdits == nil { exchange.ownedResponseEdits = Exchange.authMarker }
        exchange.generatedRequestID = exchange.auth?.requestID ?? requestID
        exchange.savedHead.removeAll(keepingCapacity: true)
        exchange.savedHead.append(contentsOf: connection.input.readable[0..<exchange.head.headLength])
    }

    /// Sends the error backend's request in place of the answer `status` (an upstream's
    /// response head, Apus's own error answer, or a route without endpoints), which
    /// nothing was sent of yet. The backend's answer is passed on as it is.
    func divertToErrorBackend(_ connection: DownstreamConnection, _ exchange: Exchange, _ backend: CompiledErrorBackend, status: Int) {
        exchange.errorBackend = nil
        if let upstream = exchange.upstream { detachAndClose(exchange, upstream) }
        guard let runtime = errorBackendRuntime(exchange, backend) else {
            Log.warning("error backend is gone from the configuration", ["upstream": backend.config.upstream])
            respondError(connection, exchange, status: status)
            return
        }
        var request: [UInt8] = []
        if exchange.headInInput {
            // The route's upstream has no endpoint: the head was never proxied.
            exchange.generatedRequestID = exchange.auth?.requestID ?? nextRequestID()
            writeErrorRequest(backend, status: status, connection, exchange, raw: connection.input.readable, into: &request)
            exchange.headInInput = false
            connection.input.consume(exchange.head.headLength)
            if connection.input.isEmpty { buffers.release(&connection.input) }
        } else {
            exchange.savedHead.withUnsafeBytes { raw in
                writeErrorRequest(backend, status: status, connection, exchange, raw: raw, into: &request)
            }
        }
        exchange.upstreamHead.clear()
        request.withUnsafeBytes { exchange.upstreamHead.buffer.append(contentsOf: $0) }
        exchange.requestBody = BodyCursor(length: 0)
        exchange.runtime = runtime
        // The route's key and session cookie belong to its own upstream.
        exchange.balanceKeyState = .none
        exchange.affinityCookie = nil
        counters.errorBackendRequests += 1
        carryOut(exchange.machine.handle(.divert(runtime.terms), now: now), connection, exchange)
    }

    /// The backend's upstream in this worker; looked up by name when a reload renumbered
    /// the upstreams since the request started.
    private func errorBackendRuntime(_ exchange: Exchange, _ backend: CompiledErrorBackend) -> UpstreamRuntime? {
        guard let started = exchange.table, backend.upstream < started.upstreams.count else { return nil }
        if started === table { return backend.upstream < upstreams.count ? upstreams[backend.upstream] : nil }
        let name = started.upstreams[backend.upstream].name
        return upstreams.first { $0.name == name }
    }

    /// The request line, Host (`$best_http_host`), the client's fields and the ones that
    /// describe the error. `raw` holds the request head at the offsets `exchange.head` has.
    private func writeErrorRequest(_ backend: CompiledErrorBackend, status: Int, _ connection: DownstreamConnection,
                                   _ exchange: Exchange, raw: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let head = exchange.head
        out += raw[Int(head.methodStart)..<Int(head.methodEnd)]
        out += " / HTTP/1.1\r\nHost: ".utf8
        if let range = head.authorityRange {
            out += raw[range]
        } else if let routes = exchange.table?.routes, routes.indices.contains(exchange.routeIndex),
                  let host = routes[exchange.routeIndex].host, !host.hasPrefix("*") {
            out += host.utf8
        } else {
            out += "localhost".utf8
        }
        out += "\r\n".utf8
        let (clientRequestID, accept) = SubRequestFields.copy(head, raw, dropping: Self.errorRequestDroppedFields, into: &out)
        out += "X-Code: \(status)\r\n".utf8
        // nginx leaves out a field whose value is empty.
        if let accept, !accept.isEmpty {
            out += "X-Format: ".utf8
            out += accept
            out += "\r\n".utf8
        }
        out += "X-Original-URI: ".utf8
        out += raw[Int(head.pathStart)..<Int(head.pathEnd)]
        out += "\r\n".utf8
        out += backend.routeLines
        out += "X-Request-ID: ".utf8
        if let clientRequestID { out += clientRequestID } else { Self.appendHex(exchange.generatedRequestID, to: &out) }
        out += "\r\nX-Forwarded-For: ".utf8
        out += exchange.clientText ?? connection.peer
        out += "\r\n".utf8
        // The client's body is not sent; a method that may have one says its length is 0.
        if head.method != .get && head.method != .head { out += "Content-Length: 0\r\n".utf8 }
        out += "\r\n".utf8
    }
}
