import ApusHTTP
import ApusNet

/// The one pump of the data plane: moves a body from a source transport to a sink
/// transport through one buffer, with the bytes of a head ahead of it, and with
/// backpressure both ways. Request bodies, response bodies (plain, and compressed through
/// `fill` and `drain`) and both directions of a tunnel go through it.
///
///     source ──read──► buffer ──framing (BodyCursor)──► sendable ──writev(ahead, sendable)──► sink
///
/// The buffer is refilled only once all it framed went out, so a sink that does not take
/// bytes stops the reads from its source, and a buffer holds one read at most; framing
/// (Content-Length, chunked, until close) decides how much of it is body. Reads and writes
/// go through `Transport`, which keeps each side's readiness.
enum Relay {
    enum Step: Equatable {
        /// Bytes moved; neither side can take or give more now.
        case progress
        /// Nothing moved; epoll says when to go on.
        case blocked
        /// The body is complete and all of it went.
        case done
        /// The source closed before the framing's end (a truncated body).
        case sourceEnded
        case sourceFailed
        case sinkFailed
        case framingFailed(HTTPParseError)
        /// More than `limit` payload bytes (a request body past its size limit).
        case pastLimit
        /// The framing needs more bytes than a buffer holds (a chunk-size line or trailer
        /// that long), or a head that long.
        case bufferFull
    }

    /// What one call moved, for the caller's counters and deadlines.
    struct Tally {
        var read = 0
        var aheadWritten = 0
        var bodyWritten = 0
        /// A write came back short: the sink is full.
        var sinkBlocked = false

        var moved: Bool { read > 0 || aheadWritten > 0 || bodyWritten > 0 }
    }

    /// Moves until the body is done or neither side can go on. `limit` (0: none) bounds
    /// the payload.
    @inline(__always)
    static func pump(ahead: inout PendingBytes, buffer: inout IOBuffer, framing: inout BodyCursor,
                     from source: inout Transport, to sink: inout Transport, buffers: BufferPool,
                     limit: Int64 = 0, tally: inout Tally) -> Step {
        while true {
            if let error = framing.refill(&buffer) { return .framingFailed(error) }
            if limit > 0 && framing.payloadBytes > limit { return .pastLimit }
            if ahead.remaining == 0 && framing.sendable == 0 {
                if framing.isDone { return .done }
                switch fill(buffer: &buffer, from: &source, buffers: buffers, tally: &tally) {
                case .progress: continue
                case .blocked: return tally.moved ? .progress : .blocked
                // The end of a body framed by the connection's end.
                case .sourceEnded where framing.endOfStream(): continue
                case let other: return other
                }
            }
            switch drain(ahead: &ahead, buffer.base.map { UnsafeRawPointer($0 + buffer.readIndex) }, framing.sendable, to: &sink, tally: &tally) {
            case .progress(let bodySent):
                if bodySent > 0 {
                    buffer.consume(bodySent)
                    framing.sent(bodySent)
                }
            case .blocked:
                return tally.moved ? .progress : .blocked
            case .sinkFailed:
                return .sinkFailed
            }
        }
    }

    /// One read from `source` into `buffer` (acquired from `buffers` if it has none,
    /// compacted when full).
    @inline(__always)
    static func fill(buffer: inout IOBuffer, from source: inout Transport, buffers: BufferPool, tally: inout Tally) -> Step {
        guard source.readable else { return .blocked }
        buffers.acquire(into: &buffer)
        if buffer.freeCount == 0 { buffer.compact() }
        if buffer.freeCount == 0 { return .bufferFull }
        switch source.read(into: &buffer) {
        case .bytes(let n):
            tally.read += n
            return .progress
        case .wouldBlock:
            return .blocked
        case .endOfStream:
            return .sourceEnded
        case .failed:
            return .sourceFailed
        }
    }

    enum DrainStep: Equatable {
        /// Written (maybe partly); how many of the body bytes went.
        case progress(bodySent: Int)
        case blocked
        case sinkFailed
    }

    /// One write of what `ahead` still holds and `count` bytes at `body`.
    @inline(__always)
    static func drain(ahead: inout PendingBytes, _ body: UnsafeRawPointer?, _ count: Int, to sink: inout Transport,
                      tally: inout Tally) -> DrainStep {
        guard sink.writable else { return .blocked }
        let aheadCount = ahead.remaining
        // One of the two is there: the caller has something to send.
        let aheadStart = ahead.unsent
        let result = sink.write(aheadStart ?? body!, aheadCount, body ?? aheadStart!, count)
        switch result {
        case .bytes(let n):
            if n < aheadCount + count { tally.sinkBlocked = true }
            let fromAhead = min(n, aheadCount)
            ahead.sent += fromAhead
            tally.aheadWritten += fromAhead
            tally.bodyWritten += n - fromAhead
            return .progress(bodySent: n - fromAhead)
        case .wouldBlock:
            tally.sinkBlocked = true
            return .blocked
        case .endOfStream, .failed:
            return .sinkFailed
        }
    }
}
