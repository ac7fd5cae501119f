import CNghttp2

/// Message bodies waiting to go out, by stream, for libnghttp2's data provider: bytes are
/// queued as the other side delivers them and copied into DATA frames as the peer's
/// window allows. A stream with nothing queued is deferred until more comes.
struct HTTP2OutgoingBodies {
    private struct Body {
        var bytes: [UInt8] = []
        var sent = 0
        var ended = false
        var trailers: [HTTP2Field]?
    }

    private var bodies: [Int32: Body] = [:]

    mutating func open(_ streamID: Int32) { bodies[streamID] = Body() }

    mutating func close(_ streamID: Int32) { bodies[streamID] = nil }

    /// Queues bytes; false when the stream has no body open.
    mutating func append(_ streamID: Int32, _ bytes: UnsafeRawBufferPointer, endStream: Bool, trailers: [HTTP2Field]?) -> Bool {
        guard var body = bodies[streamID] else { return false }
        body.bytes += bytes
        if endStream {
            body.ended = true
            body.trailers = trailers
        }
        bodies[streamID] = body
        return true
    }

    func queuedBytes(_ streamID: Int32) -> Int {
        bodies[streamID].map { $0.bytes.count - $0.sent } ?? 0
    }

    /// Fills a DATA frame: the byte count (or libnghttp2's DEFERRED), and the trailers to
    /// submit when the body ended with some (the frame then does not end the stream).
    mutating func read(_ streamID: Int32, into buffer: UnsafeMutablePointer<UInt8>, capacity: Int,
                       flags: UnsafeMutablePointer<UInt32>) -> (count: Int, trailers: [HTTP2Field]?) {
        guard var body = bodies[streamID] else { return (Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue), nil) }
        let available = body.bytes.count - body.sent
        if available == 0 && !body.ended { return (Int(NGHTTP2_ERR_DEFERRED.rawValue), nil) }
        let count = min(available, capacity)
        if count > 0 {
            body.bytes.withUnsafeBufferPointer { source in
                buffer.update(from: source.baseAddress! + body.sent, count: count)
            }
        }
        body.sent += count
        var trailers: [HTTP2Field]?
        if body.sent == body.bytes.count {
            // Sent bytes are dropped, so a long body keeps only what waits.
            body.bytes.removeAll(keepingCapacity: true)
            body.sent = 0
            if body.ended {
                flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
                if let fields = body.trailers, !fields.isEmpty {
                    flags.pointee |= NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
                    trailers = fields
                }
            }
        }
        bodies[streamID] = body
        return (count, trailers)
    }
}
