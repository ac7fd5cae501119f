import ApusCore
import ApusHTTP
import ApusNet
import Glibc

extension Worker {
    /// Serves `root + path` (nginx `root` semantics: the whole request path is appended).
    ///
    /// The path is already normalized (decoded, no dot segments). The file's real path must
    /// stay inside the root's real path, so a symlink can't lead out of it.
    func serveStaticFile(_ connection: DownstreamConnection, _ exchange: Exchange, config: StaticFilesConfig, path: String) {
        let method = exchange.head.method
        guard method == .get || method == .head else {
            var response = LocalResponse(status: 405, edits: exchange.responseEdits)
            response.header("Allow", "GET, HEAD")
            response.header("Content-Type", "text/plain; charset=utf-8")
            finishLocal(connection, exchange, status: 405, response: &response, body: Array("405 Method Not Allowed\n".utf8))
            return
        }
        guard let root = realRoot(config.root) else {
            respondError(connection, exchange, status: 404)
            return
        }
        var candidate = root + path
        var info = stat()
        if stat(candidate, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            guard path.hasSuffix("/") else {
                let raw = connection.input.readable
                let query = String(decoding: raw[Int(exchange.head.queryStart)..<Int(exchange.head.pathEnd)], as: UTF8.self)
                var response = LocalResponse(status: 301, edits: exchange.responseEdits)
                response.header("Location", path + "/" + query)
                finishLocal(connection, exchange, status: 301, response: &response, body: [])
                return
            }
            candidate += config.index
        }
        var resolved = realPath(candidate)
        if resolved == nil, let fallback = config.fallback {
            // Nothing at that path: a single-page app answers with its shell and routes
            // on the client.
            resolved = realPath(root + "/" + fallback)
        }
        guard let resolved, resolved == root || resolved.hasPrefix(root + "/") else {
            respondError(connection, exchange, status: 404)
            return
        }
        // O_NONBLOCK: a FIFO in the root must not stop the worker in open(); fstat below
        // then refuses it as not a regular file (sendfile ignores the flag for files).
        let fd = open(resolved, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            respondError(connection, exchange, status: errno == EACCES ? 403 : 404)
            return
        }
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            Posix.close(fd)
            respondError(connection, exchange, status: 404)
            return
        }
        let size = Int(info.st_size)
        let modified = Int(info.st_mtim.tv_sec)
        let etag = "\"\(String(modified, radix: 16))-\(String(size, radix: 16))\""
        let lastModified = HTTPDate.format(modified)
        let contentType = MimeTypes.type(forPath: resolved)
        let gzip = staticGzipPolicy(connection, exchange, contentType: contentType, size: size)

        if notModified(connection, etag: etag, modified: modified) {
            Posix.close(fd)
            _ = exchange.machine.handle(.respondLocally(status: 304, close: false), now: now)
            var response = LocalResponse(status: 304, edits: exchange.responseEdits)
            // The validators of the representation a 200 would have carried.
            response.header("ETag", gzip == nil ? etag : "W/" + etag)
            if gzip != nil { response.header("Vary", "Accept-Encoding") }
            response.header("Last-Modified", lastModified)
            response.dateLine(dateHeader)
            response.finishHead(keepAlive: exchange.machine.keepAlive)
            sendLocalResponse(connection, exchange, response.bytes)
            return
        }

        if let gzip, let encoder = takeGzipEncoder(gzip) {
            let validators = StaticValidators(contentType: contentType, etag: etag, lastModified: lastModified)
            serveCompressedFile(connection, exchange, fd: fd, size: size, validators: validators, encoder: encoder)
            return
        }

        var status = 200
        var start = 0
        var length = size
        var response: LocalResponse
        switch byteRange(connection, size: size, etag: etag, modified: modified) {
        case .whole:
            response = LocalResponse(status: 200, edits: exchange.responseEdits)
        case .partial(let first, let last):
            status = 206
            start = first
            length = last - first + 1
            response = LocalResponse(status: 206, edits: exchange.responseEdits)
            response.header("Content-Range", "bytes \(first)-\(last)/\(size)")
        case .unsatisfiable:
            Posix.close(fd)
            var response = LocalResponse(status: 416, edits: exchange.responseEdits)
            response.header("Content-Range", "bytes */\(size)")
            response.header("Content-Type", "text/plain; charset=utf-8")
            finishLocal(connection, exchange, status: 416, response: &response, body: Array("416 Range Not Satisfiable\n".utf8))
            return
        }
        response.header("Content-Type", contentType)
        response.header("ETag", etag)
        response.header("Last-Modified", lastModified)
        response.header("Accept-Ranges", "bytes")
        response.dateLine(dateHeader)
        _ = exchange.machine.handle(.respondLocally(status: status, close: false), now: now)
        response.header("Content-Length", String(length))
        response.finishHead(keepAlive: exchange.machine.keepAlive)
        if method == .head {
            Posix.close(fd)
        } else {
            exchange.file = fd
            exchange.fileOffset = start
            exchange.fileRemaining = length
        }
        sendLocalResponse(connection, exchange, response.bytes)
    }

    private func realRoot(_ root: String) -> String? {
        if let cached = staticRoots[root] { return cached }
        guard let resolved = realPath(root) else { return nil }
        staticRoots[root] = resolved
        return resolved
    }

    private func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(validatingCString: resolved)
    }

    private func notModified(_ connection: DownstreamConnection, etag: String, modified: Int) -> Bool {
        if let tags = connection.headerString(.ifNoneMatch) {
            return tags == "*" || tags.split(separator: ",").contains { tag in
                let trimmed = tag.trimmingSpaces()
                return trimmed == etag || trimmed == "W/" + etag
            }
        }
        if let since = connection.headerString(.ifModifiedSince), let time = HTTPDate.parse(since) {
            return modified <= time
        }
        return false
    }

    /// The Range field read for this file; a stale If-Range serves the whole file.
    private func byteRange(_ connection: DownstreamConnection, size: Int, etag: String, modified: Int) -> ByteRangeRequest {
        guard let header = connection.headerString(.range) else { return .whole }
        if let ifRange = connection.headerString(.ifRange) {
            if ifRange.hasPrefix("\"") || ifRange.hasPrefix("W/") {
                if ifRange != etag { return .whole }
            } else if HTTPDate.parse(ifRange) != modified {
                return .whole
            }
        }
        return ByteRangeRequest.parse(header, size: size)
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
