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
public final class HTTP2ServerSession {
    public let settings: HTTP2Settings
    private let core: HTTP2SessionCore
    private var session: OpaquePointer { core.session }
    private var events: [HTTP2Event] = []
    /// Heads being received (HEADERS, then CONTINUATIONs), by stream.
    private var heads: [Int32: PendingHead] = [:]
    /// Streams refused with a status: their request body is dropped as it arrives, and
    /// counted consumed, so that it never holds the connection's window.
    private var discarding: Set<Int32> = []
    /// Streams opened by a request and not closed yet: a response may go out on them only.
    private var open: Set<Int32> = []

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
        self.settings = settings
        core = try HTTP2SessionCore(server: true, settings: settings, entries: [
            HTTP2SessionCore.entry(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, settings.maxConcurrentStreams),
            HTTP2SessionCore.entry(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings.initialWindowSize),
            HTTP2SessionCore.entry(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, settings.maxHeaderListSize),
            HTTP2SessionCore.entry(NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, settings.headerTableSize),
        ]) { callbacks in
            nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders)
            nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader)
            nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameReceived)
            nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunk)
            nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose)
            nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks, onFrameNotSent)
        }
        // Nothing calls back before the first `receive` or `nextOutput`.
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

    // MARK: Responses

    /// Queues a response head. With `endStream` it is the whole response; otherwise body
    /// bytes follow through `sendData`.
    public func respond(streamID: Int32, status: Int, fields: [HTTP2Field], endStream: Bool) -> HTTP2Error? {
        // libnghttp2 takes a response for a closed stream and fails it only when sending.
        guard open.contains(streamID) else { return HTTP2Error(code: Int32(NGHTTP2_ERR_STREAM_CLOSED.rawValue), message: "stream \(streamID) is closed") }
        var all = [HTTP2Field(name: Array(":status".utf8), value: Array(String(status).utf8))]
        all += fields
        let failure = HTTP2HeaderList.with(all) { list, count in
            if endStream {
                return nghttp2_submit_response(session, streamID, list, count, nil)
            }
            core.openBody(streamID)
            var provider = nghttp2_data_provider()
            provider.read_callback = readBodyCallback
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

    /// Starts a graceful shutdown: a GOAWAY naming the last stream accepted, so that the
    /// streams in flight finish and the client retries the others elsewhere.
    public func goAway(errorCode: UInt32 = 0) {
        nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nghttp2_session_get_last_proc_stream_id(session), errorCode, nil, 0)
    }

    // MARK: Callbacks

    fileprivate func beginHeaders(_ frame: UnsafePointer<nghttp2_frame>) {
        let streamID = frame.pointee.hd.stream_id
        if frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST {
            open.insert(streamID)
            heads[streamID] = PendingHead(head: HTTP2RequestHead(streamID: streamID))
        } else if frame.pointee.headers.cat == NGHTTP2_HCAT_HEADERS {
            var pending = PendingHead(head: HTTP2RequestHead(streamID: streamID))
            pending.isTrailers = true
            heads[streamID] = pending
        }
    }

    fileprivate func header(_ frame: UnsafePointer<nghttp2_frame>, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        let streamID = frame.pointee.hd.stream_id
        guard heads[streamID] != nil else { return }
        // In place: a copy of the entry would copy every field so far for each new one.
        Self.add(name: name, value: value, to: &heads[streamID]!, limit: Int(settings.maxHeaderListSize))
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
            default: break
            }
        } else {
            pending.head.append(name: name, value: value)
        }
    }

    fileprivate func frameReceived(_ frame: UnsafePointer<nghttp2_frame>) {
        let header = frame.pointee.hd
        let endStream = header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        switch UInt32(header.type) {
        case NGHTTP2_HEADERS.rawValue:
            guard let pending = heads.removeValue(forKey: header.stream_id) else { return }
            if pending.tooLarge && pending.isTrailers {
                // The request was already passed on: its trailers cannot be answered with a
                // status, so the stream ends.
                core.reset(streamID: header.stream_id, errorCode: NGHTTP2_ENHANCE_YOUR_CALM.rawValue)
                return
            } else if pending.tooLarge {
                discarding.insert(header.stream_id)
                events.append(.refused(streamID: header.stream_id, status: 431))
            } else if pending.isTrailers {
                events.append(.trailers(streamID: header.stream_id, fields: pending.trailers))
            } else {
                var head = pending.head
                head.endStream = endStream
                if let status = head.refusal {
                    discarding.insert(header.stream_id)
                    events.append(.refused(streamID: header.stream_id, status: status))
                } else {
                    events.append(.request(head))
                }
            }
            if endStream { events.append(.endOfRequest(streamID: header.stream_id)) }
        case NGHTTP2_DATA.rawValue:
            if endStream { events.append(.endOfRequest(streamID: header.stream_id)) }
        case NGHTTP2_GOAWAY.rawValue:
            events.append(.goaway(lastStreamID: frame.pointee.goaway.last_stream_id, errorCode: frame.pointee.goaway.error_code))
        default:
            break
        }
    }

    fileprivate func dataChunk(streamID: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
        core.received(count: bytes.count)
        if discarding.contains(streamID) {
            core.consumed(streamID: streamID, count: bytes.count)
            return
        }
        events.append(.data(streamID: streamID, bytes: Array(bytes)))
    }

    fileprivate func headFailed(_ streamID: Int32) {
        core.closeBody(streamID)
    }

    fileprivate func streamClosed(streamID: Int32, errorCode: UInt32) {
        heads[streamID] = nil
        core.closeBody(streamID)
        discarding.remove(streamID)
        open.remove(streamID)
        events.append(.streamClosed(streamID: streamID, errorCode: errorCode))
    }

    fileprivate func readBody(streamID: Int32, into buffer: UnsafeMutablePointer<UInt8>, capacity: Int,
                              flags: UnsafeMutablePointer<UInt32>) -> Int {
        core.readBody(streamID: streamID, into: buffer, capacity: capacity, flags: flags)
    }
}

private func owner(_ user: UnsafeMutableRawPointer?) -> HTTP2ServerSession {
    Unmanaged<HTTP2ServerSession>.fromOpaque(user!).takeUnretainedValue()
}

private let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, user in
    if let frame { owner(user).beginHeaders(frame) }
    return 0
}

private let onHeader: nghttp2_on_header_callback = { _, frame, name, nameLength, value, valueLength, _, user in
    if let frame, let name, let value {
        owner(user).header(frame, name: UnsafeBufferPointer(start: name, count: nameLength), value: UnsafeBufferPointer(start: value, count: valueLength))
    }
    return 0
}

private let onFrameReceived: nghttp2_on_frame_recv_callback = { _, frame, user in
    if let frame { owner(user).frameReceived(frame) }
    return 0
}

private let onDataChunk: nghttp2_on_data_chunk_recv_callback = { _, _, streamID, data, length, user in
    if let data { owner(user).dataChunk(streamID: streamID, UnsafeBufferPointer(start: data, count: length)) }
    return 0
}

/// A response head that could not go out (its stream closed meanwhile) takes its queued
/// body with it.
private let onFrameNotSent: nghttp2_on_frame_not_send_callback = { _, frame, _, user in
    if let frame, UInt32(frame.pointee.hd.type) == NGHTTP2_HEADERS.rawValue { owner(user).headFailed(frame.pointee.hd.stream_id) }
    return 0
}

private let onStreamClose: nghttp2_on_stream_close_callback = { _, streamID, errorCode, user in
    owner(user).streamClosed(streamID: streamID, errorCode: errorCode)
    return 0
}

private let readBodyCallback: nghttp2_data_source_read_callback = { _, streamID, buffer, capacity, flags, _, user in
    guard let buffer, let flags else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
    return owner(user).readBody(streamID: streamID, into: buffer, capacity: capacity, flags: flags)
}
