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

    private var bodies = HTTP2StreamMap<Body>()
    /// Bytes queued on all streams together.
    private(set) var totalQueued = 0

    mutating func open(_ streamID: Int32) { bodies[streamID] = Body() }

    mutating func releaseStorage() { bodies.releaseStorage() }

    mutating func close(_ streamID: Int32) {
        if let body = bodies.removeValue(forKey: streamID) { totalQueued -= body.bytes.count - body.sent }
    }

    /// Queues bytes; false when the stream has no body open.
    mutating func append(_ streamID: Int32, _ bytes: UnsafeRawBufferPointer, endStream: Bool, trailers: [HTTP2Field]?) -> Bool {
        // In place: a copy of the entry would copy its whole queue on every append.
        let open = bodies.modify(streamID) { body in
            body.bytes += bytes
            if endStream {
                body.ended = true
                body.trailers = trailers
            }
        }
        if open { totalQueued += bytes.count }
        return open
    }

    func queuedBytes(_ streamID: Int32) -> Int {
        bodies[streamID].map { $0.bytes.count - $0.sent } ?? 0
    }

    /// Fills a DATA frame (setting EOF when the body is done): the byte count (or
    /// libnghttp2's DEFERRED), and the trailers to submit when the body ended with some.
    mutating func read(_ streamID: Int32, into buffer: UnsafeMutablePointer<UInt8>, capacity: Int,
                       flags: UnsafeMutablePointer<UInt32>) -> (count: Int, trailers: [HTTP2Field]?) {
        var result: (count: Int, trailers: [HTTP2Field]?) = (Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue), nil)
        bodies.modify(streamID) { result = Self.read(&$0, into: buffer, capacity: capacity, flags: flags) }
        if result.count > 0 { totalQueued -= result.count }
        return result
    }

    private static func read(_ body: inout Body, into buffer: UnsafeMutablePointer<UInt8>, capacity: Int,
                             flags: UnsafeMutablePointer<UInt32>) -> (count: Int, trailers: [HTTP2Field]?) {
        let available = body.bytes.count - body.sent
        if available == 0 && !body.ended { return (Int(NGHTTP2_ERR_DEFERRED.rawValue), nil) }
        let count = min(available, capacity)
        if count > 0 {
            let sent = body.sent
            body.bytes.withUnsafeBufferPointer { source in buffer.update(from: source.baseAddress! + sent, count: count) }
        }
        body.sent += count
        if body.sent == body.bytes.count {
            body.bytes.removeAll(keepingCapacity: true)
            body.sent = 0
        } else if body.sent >= compactionThreshold && body.sent * 2 >= body.bytes.count {
            // A body topped up as it drains never empties: drop what went out once it is
            // most of the queue, so memory follows what waits, not what was sent.
            body.bytes.removeFirst(body.sent)
            body.sent = 0
        }
        var trailers: [HTTP2Field]?
        if body.ended && body.bytes.count == body.sent {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            if let fields = body.trailers, !fields.isEmpty { trailers = fields }
        }
        return (count, trailers)
    }

    private static let compactionThreshold = 65_536
}
