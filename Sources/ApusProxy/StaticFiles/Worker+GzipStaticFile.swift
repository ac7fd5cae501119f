import ApusCore
import ApusHTTP
import ApusNet
import Glibc

/// Static files compressed on the way out: read in buffer-sized pieces through the
/// compressor instead of going out with sendfile(2).
///
/// Range requests are never compressed (byte ranges address the file as stored), nor
/// HEAD requests; a compressed answer carries a weak ETag and no Accept-Ranges.
extension Worker {
    func serveCompressedFile(_ connection: DownstreamConnection, _ exchange: Exchange, fd: Int32, size: Int, validators: StaticValidators,
                             encoder: GzipEncoder) {
        _ = exchange.machine.handle(.respondLocally(status: 200, close: false), now: now)
        var response = LocalResponse(status: 200, edits: exchange.responseEdits)
        response.header("Content-Type", validators.contentType)
        response.header("ETag", "W/" + validators.etag)
        response.header("Last-Modified", validators.lastModified)
        // What the compression itself needs, whatever the route's header rules say.
        response.unfilteredHeader("Vary", "Accept-Encoding")
        response.unfilteredHeader("Content-Encoding", "gzip")
        response.dateLine(dateHeader)
        response.header("Transfer-Encoding", "chunked")
        response.finishHead(keepAlive: exchange.machine.keepAlive)
        exchange.file = fd
        exchange.fileOffset = 0
        exchange.fileRemaining = size
        exchange.gzip = encoder
        sendLocalResponse(connection, exchange, response.bytes)
    }

    /// Compresses and sends the file until the socket is full or the response is done.
    /// The head goes out with the first chunk.
    func sendCompressedFile(_ connection: DownstreamConnection, _ exchange: Exchange, _ encoder: GzipEncoder) {
        var tally = Relay.Tally()
        defer {
            if tally.aheadWritten > 0 || tally.bodyWritten > 0 || tally.sinkBlocked, connection.exchange === exchange {
                exchange.bytesSent += tally.aheadWritten + tally.bodyWritten
                noteDownstreamWrite(connection, exchange, blocked: tally.sinkBlocked)
            }
        }
        while true {
            if !encoder.chunk.isEmpty || encoder.ended {
                switch sendCompressed(connection, exchange, encoder, &tally) {
                case .sent:
                    if encoder.isFinished {
                        exchange.bytesSent += tally.aheadWritten + tally.bodyWritten
                        tally = Relay.Tally()
                        localResponseSent(connection, exchange)
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
            if exchange.fileRemaining > 0 {
                buffers.acquire(into: &encoder.fileInput)
                let count = min(exchange.fileRemaining, encoder.fileInput.capacity)
                let got = pread(exchange.file, encoder.fileInput.base, count, off_t(exchange.fileOffset))
                guard got > 0 else {
                    // The file shrank: the response can't be completed; the missing last
                    // chunk tells the client it is truncated.
                    closeDownstream(connection)
                    return
                }
                encoder.fileInput.readIndex = 0
                encoder.fileInput.writeIndex = got
                exchange.fileOffset += got
                exchange.fileRemaining -= got
                continue
            }
            encoder.finish()
        }
    }
}
