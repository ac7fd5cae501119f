import ApusHTTP
import ApusHTTP2
import ApusNet
import Glibc

/// One stream to an HTTP/2 upstream seen as an upstream connection's transport, so that
/// the exchange proxies to it as to an HTTP/1.1 endpoint (timeouts, retries, response
/// rules, gzip, access log).
///
/// The exchange writes its request as HTTP/1.1 bytes, which `HTTP1RequestReader` turns into
/// the stream's HEADERS, DATA and trailers. The response comes back as HTTP/1.1 bytes for
/// the exchange to read: the status line and fields, then the body as it is (with a
/// Content-Length) or as chunks, whose trailer part carries the response's trailers (gRPC's
/// status). Flow control is the backpressure both ways: the stream's window reopens only as
/// the exchange reads the body, and a write is refused (`wouldBlock`) while the request
/// bytes queued on the stream pass `queueLimit`.
final class HTTP2UpstreamStreamPipe: HTTP2StreamLayer {
    /// The connection the stream is multiplexed on (held while the stream lives).
    let owner: HTTP2Upstream
    /// The upstream connection this pipe is the transport of (which owns it).
    unowned(unsafe) var stream: UpstreamConnection!
    /// 0 until the request's head went to the session.
    private(set) var streamID: Int32 = 0
    /// The connection's reads when the stream was attached (a timeout with none since
    /// suspects the connection).
    let readsAtAttach: UInt64

    // MARK: Request side

    private var request: HTTP1RequestReader

    // MARK: Response side

    /// Bytes for the exchange to read.
    private var input = StreamReadBuffer()
    private var responseChunked = false
    /// Body bytes are dropped (a HEAD, 204 or 304 answer has none in HTTP/1.1).
    private var responseBodiless = false
    private(set) var responseStarted = false
    private(set) var responseEnded = false
    /// The stream closed: reads return what is left, then fail unless the response ended.
    private(set) var closed = false
    /// The upstream closed the stream unprocessed: the request may go again.
    private(set) var refused = false
    /// The exchange went away, or the connection did: reads and writes fail.
    var failed = false
    /// Listed to be driven once the events of a read are applied.
    var awaitsDrive = false

    /// Request bytes a stream may have queued (the upstream's window holds them back)
    /// before its writes are refused.
    static let queueLimit = 65_536

    init(owner: HTTP2Upstream, readsAtAttach: UInt64) {
        self.owner = owner
        self.readsAtAttach = readsAtAttach
        self.request = HTTP1RequestReader(scheme: owner.scheme)
        super.init()
    }

    /// Both ends are done: the stream closes without a reset.
    var isFinished: Bool { closed || (responseEnded && request.isComplete) }

    // MARK: Request bytes in (from the exchange), frames out

    override func write(_ bytes: UnsafeRawPointer, _ count: Int) -> IOResult {
        if failed { return .failed(ECONNRESET) }
        // The whole response came (the upstream may then reset the stream with NO_ERROR):
        // the rest of the request has no reader and is dropped, and the response stands.
        if responseEnded { return .bytes(count) }
        if closed { return .failed(ECONNRESET) }
        if count == 0 { return .bytes(0) }
        var taken = count
        if streamID != 0 && request.isInBody {
            let queued = owner.session.queuedBytes(streamID: streamID)
            guard queued < Self.queueLimit else {
                owner.waitForRoom(self)
                return .wouldBlock
            }
            taken = min(count, Self.queueLimit - queued)
        }
        let accepted = request.take(UnsafeRawBufferPointer(start: bytes, count: taken)) { send($0) }
        guard accepted, !failed else {
            // Not a request an HTTP/2 stream carries (an Upgrade), or the session refused it.
            failed = true
            if streamID != 0 { owner.session.reset(streamID: streamID) }
            owner.needsFlush()
            return .failed(EPROTO)
        }
        owner.needsFlush()
        return .bytes(taken)
    }

    private func send(_ output: HTTP1RequestReader.Output) {
        guard !failed else { return }
        switch output {
        case .head(let fields, let endStream):
            switch owner.session.request(fields, endStream: endStream) {
            case .success(let id):
                streamID = id
                owner.streams[id] = stream
            case .failure:
                // Stream ids ran out, or the session is going away: the connection takes no
                // more streams (this one fails, and may go to another connection).
                failed = true
                owner.stopTakingStreams()
            }
        case .body(let bytes, let endStream):
            owner.session.sendData(streamID: streamID, bytes, endStream: endStream)
        case .trailers(let fields):
            owner.session.sendData(streamID: streamID, UnsafeRawBufferPointer(start: nil, count: 0), endStream: true, trailers: fields)
        }
    }

    // MARK: Response frames in (from the session), bytes out (to the exchange)

    /// An interim answer (103 Early Hints, 100 Continue): the exchange decides what of it
    /// reaches the client, as from an HTTP/1.1 upstream.
    func interim(status: Int) {
        guard !responseStarted else { return }
        appendStatusLine(status)
        input.append([0x0D, 0x0A])
    }

    /// The final response head; `endStream` when it is the whole response (a gRPC
    /// trailers-only answer among them).
    func responseHead(status: Int, fields: HTTP2FieldBlock, endStream: Bool) {
        responseStarted = true
        input.reserve(fields.byteCount + 4 * fields.count + 128)
        appendStatusLine(status)
        var hasLength = false
        fields.forEach { name, value in
            if name.elementsEqual("content-length".utf8) { hasLength = true }
            input.append(name)
            input.append(byte: 0x3A)
            input.append(byte: 0x20)
            input.append(value)
            input.append(byte: 0x0D)
            input.append(byte: 0x0A)
        }
        responseBodiless = request.requestMethod == .head || status == 204 || status == 304
        if endStream && !hasLength && !responseBodiless {
            // No body: a length of 0, so that an HTTP/2 client gets one HEADERS frame that
            // ends the stream, as the upstream sent it.
            input.append("content-length: 0\r\n".utf8)
        } else if !hasLength && !responseBodiless {
            responseChunked = true
            input.append("transfer-encoding: chunked\r\n".utf8)
        }
        // The stream carries one response: the exchange closes it (`closeUpstreamStream`)
        // rather than pooling it.
        input.append("connection: close\r\n\r\n".utf8)
    }

    private func appendStatusLine(_ status: Int) {
        input.append("HTTP/1.1 \(status) \(LocalResponse.reason(for: status))\r\n".utf8)
    }

    /// Body bytes of a DATA frame.
    func data(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        guard responseStarted, !responseBodiless else {
            owner.session.consumed(streamID: streamID, count: bytes.count)
            return
        }
        input.appendPayload(bytes, chunked: responseChunked)
    }

    /// The response ended (END_STREAM), with trailer fields or without. Trailers of a body
    /// with a Content-Length have no place in HTTP/1.1 and are dropped.
    func end(trailers: [HTTP2Field] = []) {
        guard !responseEnded else { return }
        responseEnded = true
        if responseChunked { input.appendLastChunk(trailers: trailers) }
    }

    /// The stream closed; REFUSED_STREAM (7) means the upstream did nothing with it.
    func streamClosed(errorCode: UInt32) {
        closed = true
        if errorCode == 7 && !responseStarted { refused = true }
    }

    override func read(_ buffer: UnsafeMutableRawPointer, _ count: Int) -> IOResult {
        if failed { return .failed(ECONNRESET) }
        let (n, payloadRead) = input.read(into: buffer, count)
        guard n > 0 else {
            if responseEnded { return .endOfStream }
            return closed ? .failed(ECONNRESET) : .wouldBlock
        }
        if payloadRead > 0 && !closed {
            // Everything handed over was read: the upstream may send as much again.
            owner.session.consumed(streamID: streamID, count: payloadRead)
            owner.needsFlush()
        }
        return .bytes(n)
    }

    override var lastReadDrained: Bool { input.isDrained }
}
