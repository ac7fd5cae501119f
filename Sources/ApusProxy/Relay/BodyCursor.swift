import ApusHTTP
import ApusNet

/// Tracks how much of a buffer's front is message body that may be sent on, for one body
/// (a request body going upstream, or a response body going downstream).
///
///     readIndex            readIndex+sendable            writeIndex
///     |  body, ready to send  |  not yet framed/validated  |
///
/// Chunked bodies are validated as they pass: in `.chunkedPass` the framing goes through
/// unchanged, in `.chunkedStrip` only payload is sent (for HTTP/1.0 downstreams).
struct BodyCursor {
    enum Mode {
        case none
        case length
        case chunkedPass
        case chunkedStrip
        /// Until the sender closes (responses framed by the connection closing).
        case untilClose
    }

    var mode: Mode = .none
    var remaining: Int64 = 0
    var decoder = ChunkedDecoder()
    var sendable = 0
    /// All body bytes have been framed (they may still wait in `sendable`).
    var framingComplete = true

    init() {}

    init(length: Int64) {
        mode = length > 0 ? .length : .none
        remaining = length
        framingComplete = length <= 0
    }

    init(mode: Mode) {
        self.mode = mode
        framingComplete = mode == .none
    }

    /// Everything framed has been sent.
    var isDone: Bool { framingComplete && sendable == 0 }

    /// Payload bytes seen so far (chunked) or sent (length), for body-size limits.
    var payloadBytes: Int64 { decoder.payloadBytes }

    /// Frames more of `buffer`'s readable bytes. Returns a parse error for broken chunking.
    mutating func refill(_ buffer: inout IOBuffer) -> HTTPParseError? {
        if framingComplete { return nil }
        switch mode {
        case .none:
            framingComplete = true
        case .length:
            let available = buffer.readableCount - sendable
            let take = Int(min(Int64(available), remaining))
            sendable += take
            remaining -= Int64(take)
            if remaining == 0 { framingComplete = true }
        case .untilClose:
            sendable = buffer.readableCount
        case .chunkedPass:
            while !framingComplete {
                let unscanned = UnsafeRawBufferPointer(rebasing: buffer.readable[sendable...])
                if unscanned.isEmpty { return nil }
                switch decoder.decode(unscanned) {
                case .needMore(let consumed):
                    sendable += consumed
                    if consumed == 0 { return nil }
                case .data(_, _, let consumed):
                    sendable += consumed
                case .end(let consumed):
                    sendable += consumed
                    framingComplete = true
                case .failed(let error):
                    return error
                }
            }
        case .chunkedStrip:
            while sendable == 0 && !framingComplete && buffer.readableCount > 0 {
                switch decoder.decode(buffer.readable) {
                case .needMore(let consumed):
                    buffer.consume(consumed)
                    if consumed == 0 { return nil }
                case .data(let offset, let count, _):
                    buffer.consume(offset)
                    sendable = count
                case .end(let consumed):
                    buffer.consume(consumed)
                    framingComplete = true
                case .failed(let error):
                    return error
                }
            }
        }
        return nil
    }

    /// The sender closed: an until-close body is complete; any other is truncated.
    mutating func endOfStream() -> Bool {
        if mode == .untilClose {
            framingComplete = true
            return true
        }
        return framingComplete
    }

    /// `count` bytes of the sendable front were written.
    mutating func sent(_ count: Int) {
        sendable -= count
    }
}
