import ApusCore
import ApusHTTP
import ApusNet
import Glibc

extension Worker {
    /// Sends a response Apus produced itself (error, redirect, fixed, admin, static head).
    ///
    /// A request body is never read for these: the connection closes after the answer
    /// instead, so unread body bytes can't be taken for the next request.
    func respondLocally(_ connection: DownstreamConnection, status: Int, bytes: [UInt8]) {
        if connection.head.hasBody && connection.phase == .awaitingHead { connection.keepAlive = false }
        if connection.phase == .awaitingHead && connection.head.headLength > 0 {
            connection.input.consume(min(connection.head.headLength, connection.input.readableCount))
            if connection.input.isEmpty { buffers.release(&connection.input) }
        }
        connection.phase = .responding
        connection.status = status
        connection.responseStarted = true
        connection.output = bytes
        connection.outputSent = 0
        flushLocalResponse(connection)
    }

    func respondError(_ connection: DownstreamConnection, status: Int) {
        if connection.head.hasBody { connection.keepAlive = false }
        let includeBody = connection.head.method != .head
        respondLocally(connection, status: status, bytes: LocalResponse.errorPage(status: status, keepAlive: connection.keepAlive, includeBody: includeBody))
    }

    /// Completes a local response head with the body and sends it.
    func finishLocal(_ connection: DownstreamConnection, status: Int, response: inout LocalResponse, body: [UInt8]) {
        if connection.head.hasBody { connection.keepAlive = false }
        response.dateLine(dateHeader)
        response.finish(body: body, keepAlive: connection.keepAlive, includeBody: connection.head.method != .head && status != 204 && status != 304)
        respondLocally(connection, status: status, bytes: response.bytes)
    }

    func flushLocalResponse(_ connection: DownstreamConnection) {
        if let encoder = connection.exchange?.gzip {
            sendCompressedFile(connection, encoder)
            return
        }
        guard flushOutput(connection), connection.output.isEmpty else { return }
        while connection.fileRemaining > 0 {
            guard connection.writable else { return }
            switch sendFileChunk(connection) {
            case .bytes(let n):
                connection.fileRemaining -= n
                connection.bytesSent += n
                setDeadline(connection, now + Worker.downstreamSendTimeout)
            case .wouldBlock:
                connection.writable = false
                setDeadline(connection, now + Worker.downstreamSendTimeout)
                return
            case .endOfStream, .failed:
                // The file shrank or the client left: the length promised can't be kept.
                closeDownstream(connection)
                return
            }
        }
        finishExchange(connection)
    }

    /// sendfile(2) in plaintext; under TLS the file is read and written as records (a
    /// retry after `.wouldBlock` re-reads the same bytes, as OpenSSL requires).
    private func sendFileChunk(_ connection: DownstreamConnection) -> IOResult {
        guard let tls = connection.tls else {
            return connection.sendfile(connection.file, &connection.fileOffset, min(connection.fileRemaining, 1 << 20))
        }
        let count = min(connection.fileRemaining, tlsCoalescing.count)
        let got = pread(connection.file, tlsCoalescing.baseAddress, count, off_t(connection.fileOffset))
        guard got > 0 else { return got == 0 ? .endOfStream : .failed(errno) }
        let result = tls.write(tlsCoalescing.baseAddress!, got)
        if case .bytes(let n) = result { connection.fileOffset += n }
        return result
    }

    func redirect(_ connection: DownstreamConnection, config: RedirectConfig, host: UnsafeRawBufferPointer) {
        let raw = connection.input.readable
        let head = connection.head
        let scheme = config.scheme ?? String(decoding: connection.listener.scheme, as: UTF8.self)
        var authority = config.host ?? ""
        if config.host == nil {
            if head.authorityEnd > head.authorityStart {
                authority = String(decoding: raw[Int(head.authorityStart)..<Int(head.authorityEnd)], as: UTF8.self)
            } else if head.hostIndex >= 0 {
                let field = head.headers[head.hostIndex]
                authority = String(decoding: raw[Int(field.valueStart)..<Int(field.valueEnd)], as: UTF8.self)
            }
            if config.scheme != nil {
                // Switching scheme: the old port belongs to the old scheme.
                authority = String(decoding: host, as: UTF8.self)
            }
        }
        let path = config.path ?? String(decoding: raw[Int(head.pathStart)..<Int(head.pathEnd)], as: UTF8.self)
        sendRedirect(connection, status: config.status, location: "\(scheme)://\(authority)\(path)")
    }

    /// Answers a plain-HTTP request of an `https_redirect` route with the same URL over
    /// HTTPS: `https://host[:port]/path?query`, the target as received.
    ///
    /// The host is the request's (without its port), so it is checked to be a DNS name or
    /// an IP literal before it goes into a Location: anything else gets 400.
    func redirectToHTTPS(_ connection: DownstreamConnection, _ redirect: CompiledHTTPSRedirect, host: UnsafeRawBufferPointer) {
        guard !host.isEmpty, host.allSatisfy(Worker.isHostByte) else {
            connection.keepAlive = false
            respondError(connection, status: 400)
            return
        }
        let raw = connection.input.readable
        let head = connection.head
        var location = "https://"
        let hostText = String(decoding: host, as: UTF8.self)
        location += hostText.contains(":") ? "[\(hostText)]" : hostText
        if let port = redirect.port { location += ":\(port)" }
        let target = String(decoding: raw[Int(head.pathStart)..<Int(head.pathEnd)], as: UTF8.self)
        // An absolute-form target may have an empty path (`http://h` or `http://h?q`).
        if !target.hasPrefix("/") { location += "/" }
        location += target
        sendRedirect(connection, status: redirect.status, location: location)
    }

    /// A redirect with the route's response rules and a one-line text body.
    private func sendRedirect(_ connection: DownstreamConnection, status: Int, location: String) {
        var response = LocalResponse(status: status, edits: connection.responseEdits)
        response.header("Location", location)
        response.header("Content-Type", "text/plain; charset=utf-8")
        finishLocal(connection, status: status, response: &response, body: Array("\(status) \(LocalResponse.reason(for: status))\n".utf8))
    }

    /// Letters, digits, `.`, `-`, `_` (seen in real host names), and `:` for an IPv6 literal
    /// (its brackets were removed).
    static func isHostByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ":"):
            return true
        default:
            return false
        }
    }
}
