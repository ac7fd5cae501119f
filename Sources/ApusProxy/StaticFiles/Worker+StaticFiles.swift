import ApusCore
import ApusHTTP
import ApusNet

extension Worker {
    /// Answers a static-files route as `StaticFileResolver` decides.
    func serveStaticFile(_ connection: DownstreamConnection, _ exchange: Exchange, config: StaticFilesConfig, path: String) {
        let raw = connection.input.readable
        let query = String(decoding: raw[Int(exchange.head.queryStart)..<Int(exchange.head.pathEnd)], as: UTF8.self)
        let conditions = StaticFileResolver.Conditions(
            ifNoneMatch: connection.headerString(.ifNoneMatch), ifModifiedSince: connection.headerString(.ifModifiedSince),
            range: connection.headerString(.range), ifRange: connection.headerString(.ifRange))
        let answer = staticFiles.resolve(
            config, path: path, query: query, method: exchange.head.method, conditions: conditions,
            gzip: exchange.head.method == .get ? exchange.gzipPolicy : nil)
        switch answer {
        case .methodNotAllowed:
            var response = LocalResponse(status: 405, edits: exchange.responseEdits)
            response.header("Allow", "GET, HEAD")
            response.header("Content-Type", "text/plain; charset=utf-8")
            finishLocal(connection, exchange, status: 405, response: &response, body: Array("405 Method Not Allowed\n".utf8))
        case .notFound:
            respondError(connection, exchange, status: 404)
        case .forbidden:
            respondError(connection, exchange, status: 403)
        case .directory(let location):
            var response = LocalResponse(status: 301, edits: exchange.responseEdits)
            response.header("Location", location)
            finishLocal(connection, exchange, status: 301, response: &response, body: [])
        case .notModified(let validators, let compressed):
            _ = exchange.machine.handle(.respondLocally(status: 304, close: false), now: now)
            var response = LocalResponse(status: 304, edits: exchange.responseEdits)
            // The validators of the representation a 200 would have carried.
            response.header("ETag", compressed ? "W/" + validators.etag : validators.etag)
            if compressed { response.header("Vary", "Accept-Encoding") }
            response.header("Last-Modified", validators.lastModified)
            response.dateLine(dateHeader)
            response.finishHead(keepAlive: exchange.machine.keepAlive)
            sendLocalResponse(connection, exchange, response.bytes)
        case .unsatisfiable(let size):
            var response = LocalResponse(status: 416, edits: exchange.responseEdits)
            response.header("Content-Range", "bytes */\(size)")
            response.header("Content-Type", "text/plain; charset=utf-8")
            finishLocal(connection, exchange, status: 416, response: &response, body: Array("416 Range Not Satisfiable\n".utf8))
        case .file(let fd, let validators, let status, let start, let length, let size, let compressible):
            if let compressible, let encoder = takeGzipEncoder(compressible) {
                serveCompressedFile(connection, exchange, fd: fd, size: size, validators: validators, encoder: encoder)
                return
            }
            sendFile(connection, exchange, fd: fd, validators, status: status, start: start, length: length, size: size)
        }
    }

    /// The head of a file (or of a range of it), then the bytes by sendfile.
    private func sendFile(_ connection: DownstreamConnection, _ exchange: Exchange, fd: Int32, _ validators: StaticValidators,
                          status: Int, start: Int, length: Int, size: Int) {
        _ = exchange.machine.handle(.respondLocally(status: status, close: false), now: now)
        var response = LocalResponse(status: status, edits: exchange.responseEdits)
        if status == 206 { response.header("Content-Range", "bytes \(start)-\(start + length - 1)/\(size)") }
        response.header("Content-Type", validators.contentType)
        response.header("ETag", validators.etag)
        response.header("Last-Modified", validators.lastModified)
        response.header("Accept-Ranges", "bytes")
        response.dateLine(dateHeader)
        response.header("Content-Length", String(length))
        response.finishHead(keepAlive: exchange.machine.keepAlive)
        if exchange.head.method == .head {
            Posix.close(fd)
        } else {
            exchange.file = fd
            exchange.fileOffset = start
            exchange.fileRemaining = length
        }
        sendLocalResponse(connection, exchange, response.bytes)
    }
}
