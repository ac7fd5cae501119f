import ApusCore
import ApusHTTP
import ApusNet
import Glibc

/// The validators and type of a static file, for its response head.
struct StaticValidators {
    var contentType: String
    var etag: String
    var lastModified: String
}

/// Static files compressed on the way out: read in buffer-sized pieces through the
/// compressor instead of going out with sendfile(2).
///
/// Range requests are never compressed (byte ranges address the file as stored), nor
/// HEAD requests; a compressed answer carries a weak ETag and no Accept-Ranges.
extension Worker {
    /// The route's policy when this GET of a file of `size` bytes goes out compressed.
    func staticGzipPolicy(_ connection: DownstreamConnection, contentType: String, size: Int) -> CompressionPolicy? {
        guard let policy = connection.exchange!.gzipPolicy, connection.head.method == .get,
              size > 0, Int64(size) >= policy.minLength,
              connection.headerValue(.range) == nil,
              policy.types.matches(contentType: contentType)
        else { return nil }
        return policy
    }

    func serveCompressedFile(_ connection: DownstreamConnection, fd: Int32, size: Int, validators: StaticValidators, encoder: GzipEncoder) {
        var response = LocalResponse(status: 200, edits: connection.responseEdits)
        response.header("Content-Type", validators.contentType)
        response.header("ETag", "W/" + validators.etag)
        response.header("Last-Modified", validators.lastModified)
        // What the compression itself needs, whatever the route's header rules say.
        response.unfilteredHeader("Vary", "Accept-Encoding")
        response.unfilteredHeader("Content-Encoding", "gzip")
        response.dateLine(dateHeader)
        if connection.head.hasBody { connection.keepAlive = false }
        response.header("Transfer-Encoding", "chunked")
        response.finishHead(keepAlive: connection.keepAlive)
        connection.file = fd
        connection.fileOffset = 0
        connection.fileRemaining = size
        connection.gzip = encoder
        respondLocally(connection, status: 200, bytes: response.bytes)
    }

    /// Compresses and sends the file until the socket is full or the response is done.
    /// The head goes out with the first chunk.
    func sendCompressedFile(_ connection: DownstreamConnection, _ encoder: GzipEncoder) {
        while true {
            if !encoder.chunk.isEmpty || encoder.ended {
                switch sendGzipOutput(connection, encoder) {
                case .sent:
                    if encoder.isFinished {
                        finishExchange(connection)
                        return
                    }
                case .blocked, .closed:
                    return
                }
                continue
            }
            if !encoder.fileInput.isEmpty {
                let consumed = encoder.compress(encoder.fileInput.readable)
                guard consumed > 0 || !encoder.chunk.isEmpty else {
                    Log.warning("gzip compressor stalled", [:])
                    closeDownstream(connection)
                    return
                }
                encoder.fileInput.consume(consumed)
                continue
            }
            if connection.fileRemaining > 0 {
                buffers.acquire(into: &encoder.fileInput)
                let count = min(connection.fileRemaining, encoder.fileInput.capacity)
                let got = pread(connection.file, encoder.fileInput.base, count, off_t(connection.fileOffset))
                guard got > 0 else {
                    // The file shrank: the response can't be completed; the missing last
                    // chunk tells the client it is truncated.
                    closeDownstream(connection)
                    return
                }
                encoder.fileInput.readIndex = 0
                encoder.fileInput.writeIndex = got
                connection.fileOffset += got
                connection.fileRemaining -= got
                continue
            }
            encoder.finish()
        }
    }
}
