import ApusHTTP
import ApusHTTP2
import ApusNet
import Glibc

/// One HTTP/2 stream seen as a connection's transport, so that its request runs through
/// the same exchange as an HTTP/1.1 one (routing, policies, upstreams, gzip, static
/// files, access log, metrics).
///
/// The exchange reads the request as HTTP/1.1 bytes: the head `HTTP2RequestHead.http1Head`
/// built, then the DATA payload (as chunks when no Content-Length gave its length). It
/// writes its response as HTTP/1.1 bytes, which are parsed back here into the stream's
/// HEADERS, DATA and end. Flow control is the backpressure both ways: the stream's
/// receive window reopens only as the exchange reads its body, and a write is refused
/// (`wouldBlock`) while the response bytes queued on the stream pass `queueLimit`.
final class HTTP2StreamPipe: HTTP2StreamLayer {
    unowned let owner: HTTP2Downstream
    let streamID: Int32
    /// A WebSocket (extended CONNECT): after the upstream's 101 the stream carries the
    /// tunnel's bytes both ways, and the client's END_STREAM is its FIN.
    let isTunnel: Bool

    // MARK: Request side

    /// Bytes for the exchange to read.
    private var input = StreamReadBuffer()
    private let requestChunked: Bool
    private(set) var requestEnded = false
    /// The client reset the stream, or the connection went: reads and writes fail.
    var failed = false

    // MARK: Response side

    private var response: HTTP1ResponseReader
    /// The response went out whole (END_STREAM queued).
    var responseComplete: Bool { response.isComplete }
    /// Listed to be driven once the events of a read are applied (`handleHTTP2Events`).
    var awaitsDrive = false

    // MARK: gRPC (kept here, not on the exchange: only a stream carries a call)

    /// The request is a gRPC call: Apus's own errors are answered as gRPC status.
    let isGRPC: Bool
    /// When the call's `grpc-timeout` runs out (the worker's clock, in milliseconds); 0 when
    /// it gave none. Absolute, so that a call tried again has only what is left.
    let callEnds: UInt64

    /// Response bytes a stream may have queued (its client's window holds them back)
    /// before its writes are refused.
    static let queueLimit = 65_536

    init(owner: HTTP2Downstream, head: HTTP2RequestHead, webSocketKey: (UInt64, UInt64), now: UInt64) {
        self.owner = owner
        self.streamID = head.streamID
        self.isTunnel = head.isWebSocket
        self.input = StreamReadBuffer(head.http1Head(webSocketKey: webSocketKey))
        self.requestChunked = head.bodyIsChunked
        self.requestEnded = head.endStream
        self.response = HTTP1ResponseReader(requestMethod: Self.method(head.method), isTunnel: head.isWebSocket)
        self.isGRPC = head.isGRPC
        self.callEnds = head.grpcTimeoutMilliseconds.map { now + UInt64($0) } ?? 0
        super.init()
    }

    private static func method(_ bytes: [UInt8]) -> HTTPMethod {
        bytes.elementsEqual("HEAD".utf8) ? .head : .get
    }

    // MARK: Request bytes in (from the session) and out (to the exchange)

    /// Body bytes of a DATA frame.
    func appendBody(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        input.appendPayload(bytes, chunked: requestChunked)
    }

    /// The client ended its request, with trailer fields or without.
    func endBody(trailers: [HTTP2Field] = []) {
        guard !requestEnded else { return }
        requestEnded = true
        if requestChunked { input.appendLastChunk(trailers: trailers) }
    }

    override func read(_ buffer: UnsafeMutableRawPointer, _ count: Int) -> IOResult {
        if failed { return .failed(ECONNRESET) }
        // After its one response the stream reads as closed: nothing on it is another
        // request (a WebSocket whose upgrade was refused included).
        if responseComplete && !response.opensTunnel { return .endOfStream }
        let (n, payloadRead) = input.read(into: buffer, count)
        guard n > 0 else { return isTunnel && requestEnded ? .endOfStream : .wouldBlock }
        if payloadRead > 0 {
            // Everything handed over was read: the client may send as much again.
            owner.session.consumed(streamID: streamID, count: payloadRead)
            owner.needsFlush()
        }
        return .bytes(n)
    }

    override var lastReadDrained: Bool { input.isDrained }

    // MARK: Response bytes in (from the exchange), frames out

    override func write(_ bytes: UnsafeRawPointer, _ count: Int) -> IOResult {
        if failed { return .failed(ECONNRESET) }
        if count == 0 { return .bytes(0) }
        var taken = count
        if response.isInBody {
            let queued = owner.session.queuedBytes(streamID: streamID)
            guard queued < Self.queueLimit, owner.session.totalQueuedBytes < HTTP2Downstream.queueLimit else {
                owner.waitForRoom(self)
                return .wouldBlock
            }
            taken = min(count, Self.queueLimit - queued)
        }
        guard take(UnsafeRawBufferPointer(start: bytes, count: taken)) else {
            // A response Apus wrote itself that does not parse: the stream ends.
            failed = true
            owner.session.reset(streamID: streamID, errorCode: 2)
            owner.needsFlush()
            return .failed(EPROTO)
        }
        owner.needsFlush()
        return .bytes(taken)
    }

    /// The exchange stops sending: a body delimited by the connection's end ends here.
    override func shutdown() {
        response.end { send($0) }
        // The end may be all that is written now (an upstream's FIN after its last bytes).
        owner.needsFlush()
    }

    /// Takes response bytes; false when they do not form an HTTP/1.1 response.
    private func take(_ bytes: UnsafeRawBufferPointer) -> Bool {
        response.take(bytes) { send($0) }
    }

    /// Passes what the response reader found on to the stream.
    private func send(_ output: HTTP1ResponseReader.Output) {
        guard !failed else { return }
        switch output {
        case .head(_, let fields, let endStream):
            if owner.session.respond(streamID: streamID, head: fields, endStream: endStream) != nil { failed = true }
        case .body(let bytes, let endStream):
            owner.session.sendData(streamID: streamID, bytes, endStream: endStream)
        case .trailers(let fields):
            owner.session.sendData(streamID: streamID, UnsafeRawBufferPointer(start: nil, count: 0), endStream: true, trailers: fields)
        }
    }
}
