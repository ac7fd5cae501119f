import ApusCore
import ApusHTTP
import ApusNet
import Glibc

extension Worker {
    /// Sends a response Apus produced itself (error, redirect, fixed, admin, static head);
    /// the exchange's machine was told (`respondLocally`), so its keep-alive decision is in
    /// `bytes`.
    ///
    /// A request body is never read for these: the connection closes after the answer
    /// instead, so unread body bytes can't be taken for the next request.
    func sendLocalResponse(_ connection: DownstreamConnection, _ exchange: Exchange, _ bytes: [UInt8]) {
        if exchange.headInInput {
            exchange.headInInput = false
            connection.input.consume(min(exchange.head.headLength, connection.input.readableCount))
            if connection.input.isEmpty { buffers.release(&connection.input) }
        }
        exchange.output.replace(with: bytes)
        flushLocalResponse(connection, exchange)
    }

    /// An error page for `status`; `close` ends the connection after it.
    func respondError(_ connection: DownstreamConnection, _ exchange: Exchange, status: Int, close: Bool = false) {
        _ = exchange.machine.handle(.respondLocally(status: status, close: close), now: now)
        sendErrorPage(connection, exchange, status: status)
    }

    /// The error page for `status`, once the machine decided on it.
    func sendErrorPage(_ connection: DownstreamConnection, _ exchange: Exchange, status: Int) {
        if connection.fd < 0, let pipe = connection.transport.layer as? HTTP2StreamPipe, pipe.isGRPC {
            sendGRPCError(connection, exchange, status: status)
            return
        }
        let includeBody = exchange.head.method != .head
        sendLocalResponse(connection, exchange, LocalResponse.errorPage(
            status: status, keepAlive: exchange.machine.keepAlive, includeBody: includeBody, page: table.errorPage(for: status)))
    }

    /// Completes a local response head with the body and sends it.
    func finishLocal(_ connection: DownstreamConnection, _ exchange: Exchange, status: Int, response: inout LocalResponse, body: [UInt8]) {
        _ = exchange.machine.handle(.respondLocally(status: status, close: false), now: now)
        response.dateLine(dateHeader)
        response.finish(body: body, keepAlive: exchange.machine.keepAlive,
                        includeBody: exchange.head.method != .head && status != 204 && status != 304)
        sendLocalResponse(connection, exchange, response.bytes)
    }

    func flushLocalResponse(_ connection: DownstreamConnection, _ exchange: Exchange) {
        if let encoder = exchange.gzip {
            sendCompressedFile(connection, exchange, encoder)
            return
        }
        guard flushOutput(connection, exchange), exchange.output.remaining == 0 else { return }
        while exchange.fileRemaining > 0 {
            guard connection.transport.writable else { return }
            let result = sendFileChunk(connection, exchange)
            switch result {
            case .bytes(let n):
                exchange.fileRemaining -= n
                exchange.bytesSent += n
                noteDownstreamWrite(connection, exchange, blocked: !connection.transport.writable)
            case .wouldBlock:
                noteDownstreamWrite(connection, exchange, blocked: true)
                return
            case .endOfStream, .failed:
                // The file shrank or the client left: the length promised can't be kept.
                closeDownstream(connection)
                return
            }
        }
        localResponseSent(connection, exchange)
    }

    /// Everything of a local response went: the exchange ends.
    func localResponseSent(_ connection: DownstreamConnection, _ exchange: Exchange) {
        let action = exchange.machine.handle(.responseSent(inputPending: !connection.input.isEmpty, draining: draining), now: now)
        carryOut(action, connection, exchange)
    }

    /// sendfile(2) on a plain socket; under TLS, or on an HTTP/2 stream, the file is read
    /// and written in pieces (a retry after `.wouldBlock` re-reads the same bytes, as
    /// OpenSSL requires).
    private func sendFileChunk(_ connection: DownstreamConnection, _ exchange: Exchange) -> IOResult {
        guard connection.transport.layer != nil else {
            return connection.transport.sendfile(exchange.file, &exchange.fileOffset, min(exchange.fileRemaining, 1 << 20))
        }
        let count = min(exchange.fileRemaining, tlsCoalescing.count)
        let got = pread(exchange.file, tlsCoalescing.baseAddress, count, off_t(exchange.fileOffset))
        guard got > 0 else { return got == 0 ? .endOfStream : .failed(errno) }
        let result = connection.transport.write(tlsCoalescing.baseAddress!, got)
        if case .bytes(let n) = result { exchange.fileOffset += n }
        return result
    }

    func redirect(_ connection: DownstreamConnection, _ exchange: Exchange, config: RedirectConfig, host: UnsafeRawBufferPointer) {
        let location = RedirectLocation.of(
            config, head: exchange.head, bytes: connection.input.readable, listenerScheme: connection.listener.scheme, host: host)
        sendRedirect(connection, exchange, status: config.status, location: location)
    }

    /// Answers a plain-HTTP request of an `https_redirect` route with the same URL over
    /// HTTPS; a host that cannot go into a Location gets 400.
    func redirectToHTTPS(_ connection: DownstreamConnection, _ exchange: Exchange, _ redirect: CompiledHTTPSRedirect,
                         host: UnsafeRawBufferPointer) {
        guard let location = RedirectLocation.https(redirect, head: exchange.head, bytes: connection.input.readable, host: host) else {
            respondError(connection, exchange, status: 400, close: true)
            return
        }
        sendRedirect(connection, exchange, status: redirect.status, location: location)
    }

    /// A redirect with the route's response rules and a one-line text body.
    func sendRedirect(_ connection: DownstreamConnection, _ exchange: Exchange, status: Int, location: String) {
        var response = LocalResponse(status: status, edits: exchange.responseEdits)
        response.header("Location", location)
        response.header("Content-Type", "text/plain; charset=utf-8")
        finishLocal(connection, exchange, status: status, response: &response, body: Array("\(status) \(LocalResponse.reason(for: status))\n".utf8))
    }
}
