import CNghttp2

/// One HTTP/2 connection, server side: libnghttp2's session fed with the bytes the worker
/// read (`receive`), giving back events (`takeEvents`) and the bytes to write
/// (`nextOutput`). Responses, their bodies and trailers are submitted per stream.
///
/// Flow control is manual: a stream's window reopens only as much as `consumed` reports
/// (the request body passed on upstream), so a slow upstream holds its own stream back
/// and never grows memory; the connection's window reopens as bytes arrive, so it never
/// stalls the others.
///
/// Thread rule: owned by one worker; every call on its thread.
public final class HTTP2ServerSession: HTTP2SessionRole {
    private let core: HTTP2SessionCore
    private var session: OpaquePointer { core.session }
    private var events: [HTTP2Event] = []
    /// Heads being received (HEADERS, then CONTINUATIONs), by stream.
    /// A header block arrives whole before any other frame (RFC 9113 §6.10), so one is
    /// pending at a time.
    private var pendingHead: PendingHead?
    private var pendingStreamID: Int32 = 0
    /// The largest request head taken (the rest of the settings went to libnghttp2).
    private let maxHeaderListSize: Int32
    /// Streams refused with a status: their request body is dropped as it arrives, and
    /// counted consumed, so that it never holds the connection's window.
    private var discarding: Set<Int32> = []
    /// Streams opened by a request and not closed yet: a response may go out on them only.
    private var open = HTTP2StreamMap<Bool>()
    /// Streams whose response is complete while their request is not: once the response's
    /// last frame went out, a RST_STREAM NO_ERROR tells the client to stop sending (RFC
    /// 9113 §8.1), as nginx does. Sent earlier, it would close the stream before the
    /// response.
    private var resetAfterResponse = HTTP2StreamMap<Bool>()

    private struct PendingHead {
        var head: HTTP2RequestHead
        /// Decoded size so far, counted as SETTINGS_MAX_HEADER_LIST_SIZE counts it.
        var listSize = 0
        var tooLarge = false
        /// A trailer block rather than a request head.
        var isTrailers = false
        var trailers: [HTTP2Field] = []
    }

    /// Sets the session up and queues the server's SETTINGS (the connection preface).
    public init(settings: HTTP2Settings = HTTP2Settings()) throws(HTTP2Error) {
        maxHeaderListSize = Int32(clamping: settings.maxHeaderListSize)
        core = try HTTP2SessionCore(server: true, settings: settings, entries: [
            HTTP2SessionCore.entry(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, settings.maxConcurrentStreams),
            HTTP2SessionCore.entry(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings.initialWindowSize),
            HTTP2SessionCore.entry(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, settings.maxHeaderListSize),
            HTTP2SessionCore.entry(NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, settings.headerTableSize),
            // WebSockets over HTTP/2 (RFC 8441).
            HTTP2SessionCore.entry(NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1),
        ])
        core.attach(self)
    }

    // MARK: Bytes in, events out

    /// Feeds bytes read from the client. A connection-level error (a bad preface, a
    /// protocol violation, a flood) is returned: write what `nextOutput` still gives, then
    /// close.
    public func receive(_ bytes: UnsafeRawBufferPointer) -> HTTP2Error? {
        core.receive(bytes)
    }

    /// The events found since the last call, in order.
    public func takeEvents() -> [HTTP2Event] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    /// The next bytes to write, valid until the next call into the session; nil when
    /// nothing is due. A negative result of libnghttp2 is a fatal error.
    public func nextOutput() -> Result<UnsafeRawBufferPointer, HTTP2Error>? {
        core.nextOutput()
    }

    /// Neither side has anything more to say: the connection can close.
    public var isFinished: Bool { core.isFinished }

    /// The connection is idle (no stream, its output written): the session gives back the
    /// memory it does not need until the next frame.
    public func releaseIdleMemory() {
        open.releaseStorage()
        resetAfterResponse.releaseStorage()
        if events.isEmpty { events = [] }
        if discarding.isEmpty { discarding = [] }
        core.releaseIdleMemory()
    }

    var memory: HTTP2SessionMemory { core.memory }

    // MARK: Responses

    /// Queues a response head. With `endStream` it is the whole response; otherwise body
    /// bytes follow through `sendData`.
    public func respond(streamID: Int32, status: Int, fields: [HTTP2Field], endStream: Bool) -> HTTP2Error? {
        var head = HTTP2FieldBlock.status(status)
        head.append(contentsOf: fields)
        return respond(streamID: streamID, head: head, endStream: endStream)
    }

    /// `respond` with the head in one block that begins with `:status` (what the proxy
    /// sends: no allocation per field).
    public func respond(streamID: Int32, head: HTTP2FieldBlock, endStream: Bool) -> HTTP2Error? {
        // libnghttp2 takes a response for a closed stream and fails it only when sending.
        guard open[streamID] != nil else { return HTTP2Error(code: Int32(NGHTTP2_ERR_STREAM_CLOSED.rawValue), message: "stream \(streamID) is closed") }
        let failure = HTTP2HeaderList.with(head) { list, count in
            if endStream {
                return nghttp2_submit_response(session, streamID, list, count, nil)
            }
            core.openBody(streamID)
            var provider = nghttp2_data_provider()
            provider.read_callback = HTTP2SessionCallbacks.readBody
            return nghttp2_submit_response(session, streamID, list, count, &provider)
        }
        if failure != nil { core.closeBody(streamID) }
        return failure
    }

    /// Appends response body bytes to a stream whose head went out without `endStream`;
    /// `endStream` ends the body (and the stream, unless trailers were given).
    public func sendData(streamID: Int32, _ bytes: UnsafeRawBufferPointer, endStream: Bool, trailers: [HTTP2Field]? = nil) {
        core.sendData(streamID: streamID, bytes, endStream: endStream, trailers: trailers)
    }

    /// Response bytes still queued on a stream (the client's window holds them back).
    public func queuedBytes(streamID: Int32) -> Int { core.queuedBytes(streamID: streamID) }

    /// Reports request body bytes passed on: the stream's window reopens by that much (the
    /// connection's reopened as they arrived).
    public func consumed(streamID: Int32, count: Int) { core.consumed(streamID: streamID, count: count) }

    /// Resets one stream (RST_STREAM with `errorCode`).
    public func reset(streamID: Int32, errorCode: UInt32) { core.reset(streamID: streamID, errorCode: errorCode) }

    /// The stream's response is queued whole but its request is still coming: the rest of
    /// the request body is dropped (and its window reopened), and the stream is reset with
    /// NO_ERROR once the response went out.
    public func stopReceiving(streamID: Int32) {
        guard open[streamID] != nil else { return }
        discarding.insert(streamID)
        if nghttp2_session_get_stream_local_close(session, streamID) == 1 {
            core.reset(streamID: streamID, errorCode: 0)
        } else {
            resetAfterResponse[streamID] = true
        }
    }

    /// Response bytes queued on all streams (the clients' windows hold them back).
    public var totalQueuedBytes: Int { core.totalQueuedBytes }

    /// Events are waiting for `takeEvents` (streams libnghttp2 closed while sending).
    public var hasEvents: Bool { !events.isEmpty }

    /// Starts a graceful shutdown: a GOAWAY naming the last stream accepted, so that the
    /// streams in flight finish and the client retries the others elsewhere.
    public func goAway(errorCode: UInt32 = 0) {
        nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nghttp2_session_get_last_proc_stream_id(session), errorCode, nil, 0)
    }

    // MARK: Frames (HTTP2SessionRole)

    func beginHeaders(streamID: Int32, category: nghttp2_headers_category) {
        if category == NGHTTP2_HCAT_REQUEST {
            open[streamID] = true
            pendingStreamID = streamID
            pendingHead = PendingHead(head: HTTP2RequestHead(streamID: streamID))
        } else if category == NGHTTP2_HCAT_HEADERS {
            var pending = PendingHead(head: HTTP2RequestHead(streamID: streamID))
            pending.isTrailers = true
            pendingStreamID = streamID
            pendingHead = pending
        }
    }

    func header(streamID: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        guard streamID == pendingStreamID, pendingHead != nil else { return }
        // In place: a copy would copy every field so far for each new one.
        Self.add(name: name, value: value, to: &pendingHead!, limit: Int(maxHeaderListSize))
    }

    private static func add(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, to pending: inout PendingHead, limit: Int) {
        pending.listSize += name.count + value.count + 32
        if pending.listSize > limit { pending.tooLarge = true }
        guard !pending.tooLarge else { return }
        if pending.isTrailers {
            pending.trailers.append(HTTP2Field(name: Array(name), value: Array(value)))
        } else if name.first == UInt8(ascii: ":") {
            switch String(decoding: name, as: UTF8.self) {
            case ":method": pending.head.method = Array(value)
            case ":scheme": pending.head.scheme = Array(value)
            case ":authority": pending.head.authority = Array(value)
            case ":path": pending.head.path = Array(value)
            case ":protocol": pending.head.connectProtocol = Array(value)
            default: break
            }
        } else {
            pending.head.append(name: name, value: value)
        }
    }

    func headersReceived(streamID: Int32, endStream: Bool) -> Bool {
        guard streamID == pendingStreamID, let pending = pendingHead else { return true }
        pendingHead = nil
        if pending.tooLarge && pending.isTrailers {
            // The request was already passed on: its trailers cannot be answered with a
            // status, so the stream ends.
            core.reset(streamID: streamID, errorCode: NGHTTP2_ENHANCE_YOUR_CALM.rawValue)
            return false
        } else if pending.tooLarge {
            // The answer ends the stream; a body still coming is refused after it.
            discarding.insert(streamID)
            if !endStream { resetAfterResponse[streamID] = true }
            events.append(.refused(streamID: streamID, status: 431))
        } else if pending.isTrailers {
            events.append(.trailers(streamID: streamID, fields: pending.trailers))
        } else {
            var head = pending.head
            head.endStream = endStream
            if let status = head.refusal {
                discarding.insert(streamID)
                if !endStream { resetAfterResponse[streamID] = true }
                events.append(.refused(streamID: streamID, status: status))
            } else {
                events.append(.request(head))
            }
        }
        return true
    }

    func streamEnded(streamID: Int32) {
        // The client finished after all: no reset is needed (the stream closes as the
        // response ends).
        if !resetAfterResponse.isEmpty { resetAfterResponse[streamID] = nil }
        events.append(.endOfRequest(streamID: streamID))
    }

    func goawayReceived(lastStreamID: Int32, errorCode: UInt32) {
        events.append(.goaway(lastStreamID: lastStreamID, errorCode: errorCode))
    }

    func dataChunk(streamID: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
        if !discarding.isEmpty && discarding.contains(streamID) {
            core.consumed(streamID: streamID, count: bytes.count)
            return
        }
        events.append(.data(streamID: streamID, bytes: Array(bytes)))
    }

    func streamEndSent(streamID: Int32) {
        guard !resetAfterResponse.isEmpty, resetAfterResponse.removeValue(forKey: streamID) != nil else { return }
        core.reset(streamID: streamID, errorCode: 0)
    }

    func streamClosed(streamID: Int32, errorCode: UInt32) {
        if streamID == pendingStreamID { pendingHead = nil }
        if !discarding.isEmpty { discarding.remove(streamID) }
        open[streamID] = nil
        if !resetAfterResponse.isEmpty { resetAfterResponse[streamID] = nil }
        events.append(.streamClosed(streamID: streamID, errorCode: errorCode))
    }
}
