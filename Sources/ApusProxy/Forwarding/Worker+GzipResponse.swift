import ApusCore
import ApusHTTP
import ApusNet

/// Proxied responses compressed on their way downstream.
///
/// The upstream body is read as payload (chunked framing stripped, a Content-Length or
/// until-close body as it comes), compressed into one chunk at a time, and that chunk
/// sent before anything more is read or compressed. When the upstream goes quiet, what
/// zlib holds is flushed, so a streamed response (server-sent events, a slow report)
/// reaches the client as it is produced rather than when 32 KiB have gathered.
extension Worker {
    /// An encoder when the response qualifies (see `Worker+Gzip.swift`): a status with a
    /// body other than 206, a body (of at least the policy's length when known), no
    /// Content-Encoding, a listed type, no `no-transform`; nil leaves it to the plain path.
    func gzipEncoderIfFit(_ upstream: UpstreamConnection, _ policy: CompressionPolicy) -> GzipEncoder? {
        let status = upstream.head.status
        guard status >= 200, status != 204, status != 206, status != 304 else { return nil }
        switch upstream.head.framing {
        case .none:
            return nil
        case .contentLength(let length):
            guard length > 0, length >= policy.minLength else { return nil }
        case .chunked, .untilClose:
            break
        }
        let bytes = upstream.input.readable
        guard !ContentCoding.isEncoded(upstream.head),
              let type = ContentCoding.contentType(upstream.head, bytes: bytes), policy.types.matches(contentType: type),
              !ContentCoding.forbidsTransform(upstream.head, bytes: bytes)
        else { return nil }
        return takeGzipEncoder(policy)
    }

    /// The head of a compressed response, into `output`.
    func writeGzipResponseHead(_ exchange: Exchange, _ upstream: UpstreamConnection) {
        let bytes = upstream.input.readable
        if let handle = exchange.responseEditsHandle {
            handle._withUnsafeGuaranteedRef { edits in
                edits.withView { edits in
                    HeadSerializer.writeGzipResponse(upstream.head, bytes: bytes, keepAlive: exchange.machine.keepAlive, edits: edits,
                                                     into: &exchange.output.buffer)
                }
            }
        } else {
            HeadSerializer.writeGzipResponse(upstream.head, bytes: bytes, keepAlive: exchange.machine.keepAlive, into: &exchange.output.buffer)
        }
    }

    /// The response direction of a compressed exchange (head already in `output`).
    func relayCompressedBody(_ connection: DownstreamConnection, _ exchange: Exchange, _ upstream: UpstreamConnection,
                             _ encoder: GzipEncoder) -> PumpStep {
        var tally = Relay.Tally()
        let step = compressAndSend(connection, exchange, upstream, encoder, &tally)
        if step != .stop { noteResponseTally(connection, exchange, tally) }
        return step
    }

    private func compressAndSend(_ connection: DownstreamConnection, _ exchange: Exchange, _ upstream: UpstreamConnection,
                                 _ encoder: GzipEncoder, _ tally: inout Relay.Tally) -> PumpStep {
        while true {
            if !encoder.chunk.isEmpty || encoder.ended {
                switch sendCompressed(connection, exchange, encoder, &tally) {
                case .sent:
                    if encoder.isFinished {
                        noteResponseTally(connection, exchange, tally)
                        responseDone(connection, exchange, upstream)
                        return .stop
                    }
                    continue
                case .blocked:
                    return tally.moved ? .progress : .blocked
                case .closed:
                    return .stop
                }
            }
            // The chunk is empty: make the next one.
            if let error = upstream.body.refill(&upstream.input) {
                invalidResponseBody(connection, exchange, error)
                return .stop
            }
            let available = upstream.body.sendable
            if available > 0 {
                let consumed = encoder.compress(UnsafeRawBufferPointer(start: upstream.input.readPointer, count: available))
                guard consumed > 0 || !encoder.chunk.isEmpty else {
                    // zlib took nothing into an empty chunk: it is broken, and waiting won't help.
                    Log.warning("gzip compressor stalled", [:])
                    closeDownstream(connection)
                    return .stop
                }
                upstream.input.consume(consumed)
                upstream.body.sent(consumed)
                continue
            }
            if upstream.body.isDone {
                encoder.finish()
                continue
            }
            switch Relay.fill(buffer: &upstream.input, from: &upstream.transport, buffers: buffers, tally: &tally) {
            case .progress:
                continue
            case .blocked:
                break
            case .sourceEnded where upstream.body.endOfStream():
                continue
            case let step:
                upstreamReadFailed(connection, exchange, step)
                return .stop
            }
            // The upstream is quiet: what zlib holds back goes out now.
            if encoder.flush() { continue }
            // Nothing to compress yet; the head at least can go.
            if exchange.output.remaining > 0 {
                switch sendCompressed(connection, exchange, encoder, &tally) {
                case .sent, .blocked: break
                case .closed: return .stop
                }
            }
            return tally.moved ? .progress : .blocked
        }
    }
}
