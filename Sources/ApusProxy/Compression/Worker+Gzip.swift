import ApusCore
import ApusHTTP
import ApusNet

/// gzip negotiation and the sending shared by proxied and static responses.
///
/// Decisions, in the order they are taken:
/// - request start (`negotiateGzip`): the route compresses, the request is HTTP/1.1 and
///   not HEAD, and Accept-Encoding accepts gzip. HTTP/1.0 clients get identity (nginx's
///   `gzip_http_version 1.1` default): without chunked framing the body could only end
///   with the connection, and old caches mishandle Vary.
/// - response start: status with a body and not 206 (1xx, 204 and 304 have none), no
///   Content-Encoding, Content-Type listed, no `Cache-Control: no-transform`, length at
///   least `min_length` when known.
extension Worker {
    /// The route's policy when this request may get a gzip response; nil otherwise.
    /// Called only when the request has an Accept-Encoding field.
    func negotiateGzip(_ exchange: Exchange, route: Int, bytes: UnsafeRawBufferPointer) -> CompressionPolicy? {
        guard exchange.head.version == .http11, exchange.head.method != .head,
              let policy = table.routes[route].compression,
              ContentCoding.acceptsGzip(exchange.head, bytes: bytes)
        else { return nil }
        return policy
    }

    /// An encoder for one response, counted; nil when zlib could not set one up.
    func takeGzipEncoder(_ policy: CompressionPolicy) -> GzipEncoder? {
        guard let encoder = gzipEncoders.take(level: policy.level, buffers: buffers) else {
            Log.warning("gzip compressor unavailable; sending uncompressed", [:])
            return nil
        }
        counters.gzip.responses += 1
        return encoder
    }

    /// Gives the exchange's encoder back to the pool (with its buffers).
    func releaseGzip(_ exchange: Exchange) {
        guard let encoder = exchange.gzip else { return }
        exchange.gzip = nil
        counters.gzip.bytesIn += UInt64(encoder.bytesIn)
        counters.gzip.bytesOut += UInt64(encoder.bytesOut)
        gzipEncoders.give(encoder, buffers: buffers)
    }

    enum GzipSendStep {
        /// The head and the chunk are all sent.
        case sent
        case blocked
        /// The downstream connection failed and is closed.
        case closed
    }

    /// Sends what is pending: head bytes in `output`, then the encoder's chunk, in one
    /// `writev` where both are there.
    func sendCompressed(_ connection: DownstreamConnection, _ exchange: Exchange, _ encoder: GzipEncoder,
                        _ tally: inout Relay.Tally) -> GzipSendStep {
        while exchange.output.remaining > 0 || !encoder.chunk.isEmpty {
            let chunk = encoder.chunk.readable
            switch Relay.drain(ahead: &exchange.output, chunk.baseAddress, chunk.count, to: &connection.transport, tally: &tally) {
            case .progress(let bodySent):
                if bodySent > 0 { encoder.sent(bodySent) }
            case .blocked:
                return .blocked
            case .sinkFailed:
                closeDownstream(connection)
                return .closed
            }
        }
        return .sent
    }
}
