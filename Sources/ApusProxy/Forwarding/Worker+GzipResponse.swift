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
    /// Writes the compressed head and sets the exchange up for compressing, when the
    /// response qualifies (see `Worker+Gzip.swift`); false leaves it to the plain path.
    func startGzipResponse(_ connection: DownstreamConnection, _ upstream: UpstreamConnection, _ policy: CompressionPolicy) -> Bool {
        let status = upstream.head.status
        guard status >= 200, status != 204, status != 206, status != 304 else { return false }
        var body: BodyCursor
        switch upstream.head.framing {
        case .none:
            return false
        case .contentLength(let length):
            guard length > 0, length >= policy.minLength else { return false }
            body = BodyCursor(length: length)
        case .chunked:
            body = BodyCursor(mode: .chunkedStrip)
        case .untilClose:
            body = BodyCursor(mode: .untilClose)
        }
        let bytes = upstream.input.readable
        guard !ContentCoding.isEncoded(upstream.head),
              let type = ContentCoding.contentType(upstream.head, bytes: bytes), policy.types.matches(contentType: type),
              !ContentCoding.forbidsTransform(upstream.head, bytes: bytes),
              let encoder = takeGzipEncoder(policy)
        else { return false }
        upstream.body = body
        if !connection.requestBody.isDone {
            // As on the plain path: the rest of the request body can't be told apart from
            // a next request.
            connection.keepAlive = false
        }
        if let edits = connection.responseEdits {
            edits.withView { edits in
                HeadSerializer.writeGzipResponse(upstream.head, bytes: bytes, keepAlive: connection.keepAlive, edits: edits,
                                                 into: &connection.output)
            }
        } else {
            HeadSerializer.writeGzipResponse(upstream.head, bytes: bytes, keepAlive: connection.keepAlive, into: &connection.output)
        }
        responseHeadWritten(connection, upstream)
        connection.gzip = encoder
        return true
    }

    /// The response direction of a compressed exchange (head already written to `output`).
    func receiveGzipBody(_ connection: DownstreamConnection, _ upstream: UpstreamConnection, progressed: Bool) -> PumpStep {
        var progressed = progressed
        let encoder = connection.gzip!
        while true {
            if !encoder.chunk.isEmpty || encoder.ended {
                switch sendGzipOutput(connection, encoder) {
                case .sent:
                    progressed = true
                    if encoder.isFinished {
                        finishProxy(connection, upstream)
                        return .stop
                    }
                    continue
                case .blocked:
                    return progressed ? .progress : .blocked
                case .closed:
                    return .stop
                }
            }
            // The chunk is empty: make the next one.
            guard refillBody(connection, upstream) else { return .stop }
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
                progressed = true
                continue
            }
            if upstream.body.isDone {
                encoder.finish()
                progressed = true
                continue
            }
            if upstream.readable {
                switch readUpstream(connection, upstream) {
                case .progress:
                    progressed = true
                    continue
                case .blocked:
                    break
                case .stop:
                    return .stop
                }
            }
            // The upstream is quiet: what zlib holds back goes out now.
            if encoder.flush() {
                progressed = true
                continue
            }
            // Nothing to compress yet; the head at least can go.
            if connection.outputSent < connection.output.count {
                switch sendGzipOutput(connection, encoder) {
                case .sent: progressed = true
                case .blocked: break
                case .closed: return .stop
                }
            }
            return progressed ? .progress : .blocked
        }
    }
}
