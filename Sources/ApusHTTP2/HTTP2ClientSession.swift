import CNghttp2

/// One HTTP/2 connection to an upstream, client side (h2c with prior knowledge, or TLS
/// with ALPN h2): requests go out as streams multiplexed on it, up to the upstream's
/// SETTINGS_MAX_CONCURRENT_STREAMS; responses come back as events. Bytes in, events and
/// bytes out, as `HTTP2ServerSession`.
///
/// Flow control is manual here too: a response stream's window reopens as `consumed`
/// reports its body passed on to the client.
/// Thread rule: owned by one worker; every call on its thread.
public final class HTTP2ClientSession: HTTP2SessionRole {
    private let core: HTTP2SessionCore
    private var session: OpaquePointer { core.session }
    var memory: HTTP2SessionMemory { core.memory }
    private var events: [HTTP2ResponseEvent] = []
    /// A header block arrives whole before any other frame, so one is pending at a time.
    private var pendingHead: PendingHead?
    private var pendingStreamID: Int32 = 0

    private struct PendingHead {
        var status: Int?
        /// One block, not an array of fields: two allocations per head, not two per field.
        var fields = HTTP2FieldBlock(byteCapacity: 512, fieldCapacity: 16)
    }

    /// Sets the session up and queues the connection preface and SETTINGS.
    public init(settings: HTTP2Settings = HTTP2Settings()) throws(HTTP2Error) {
        core = try HTTP2SessionCore(server: false, settings: settings, entries: [
            HTTP2SessionCore.entry(NGHTTP2_SETTINGS_ENABLE_PUSH, 0),
            HTTP2SessionCore.entry(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings.initialWindowSize),
            HTTP2SessionCore.entry(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, settings.maxHeaderListSize),
        ])
        core.attach(self)
        // The connection's window is reopened as bytes arrive (each stream's window is what
        // bounds the bytes held): 16 MiB keeps it from capping all streams together at
        // 64 KiB a round trip.
        nghttp2_session_set_local_window_size(core.session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, 16 << 20)
    }

    /// Streams to attach to this connection at most: the upstream's
    /// SETTINGS_MAX_CONCURRENT_STREAMS once they arrived, 100 before (libnghttp2 sends one
    /// and holds the others until the SETTINGS come).
    public var streamLimit: UInt32 {
        core.peerSettingsReceived ? nghttp2_session_get_remote_settings(session, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS) : 100
    }

    /// Queues a request: `fields` starts with the pseudo-header fields (`:method`,
    /// `:scheme`, `:authority`, `:path`). Without `endStream` its body follows through
    /// `sendData`. Returns the stream's id.
    public func request(_ fields: [HTTP2Field], endStream: Bool) -> Result<Int32, HTTP2Error> {
        request(HTTP2FieldBlock(fields), endStream: endStream)
    }

    /// `request` with the fields in one block (what the proxy sends: no allocation per field).
    public func request(_ fields: HTTP2FieldBlock, endStream: Bool) -> Result<Int32, HTTP2Error> {
        var streamID: Int32 = -1
        let failure = HTTP2HeaderList.with(fields) { list, count in
            if endStream {
                streamID = nghttp2_submit_request(session, nil, list, count, nil, nil)
            } else {
                var provider = nghttp2_data_provider()
                provider.read_callback = HTTP2SessionCallbacks.readBody
                streamID = nghttp2_submit_request(session, nil, list, count, &provider, nil)
                if streamID > 0 { core.openBody(streamID) }
            }
            return min(streamID, 0)
        }
        if let failure { return .failure(failure) }
        return .success(streamID)
    }

    /// Appends request body bytes; `endStream` ends the body (with trailers, if given).
    public func sendData(streamID: Int32, _ bytes: UnsafeRawBufferPointer, endStream: Bool, trailers: [HTTP2Field]? = nil) {
        core.sendData(streamID: streamID, bytes, endStream: endStream, trailers: trailers)
    }

    /// Whether libnghttp2 can open another stream (stream ids left, no GOAWAY).
    public var requestAllowed: Bool { nghttp2_session_check_request_allowed(session) != 0 }

    /// Request body bytes queued on a stream and not yet sent (the upstream's window holds
    /// them back).
    public func queuedBytes(streamID: Int32) -> Int { core.queuedBytes(streamID: streamID) }

    /// Whether the session has nothing more to do (after a GOAWAY, once its streams closed).
    public var isFinished: Bool { core.isFinished }

    /// Feeds bytes read from the upstream; a connection-level error ends the connection.
    public func receive(_ bytes: UnsafeRawBufferPointer) -> HTTP2Error? { core.receive(bytes) }

    public var hasEvents: Bool { !events.isEmpty }

    public func takeEvents() -> [HTTP2ResponseEvent] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    /// The next bytes to write (valid until the next call into the session), nil when none.
    public func nextOutput() -> Result<UnsafeRawBufferPointer, HTTP2Error>? { core.nextOutput() }

    /// Reports response body bytes passed on to the client: the stream's window reopens by
    /// that much (the connection's reopened as they arrived).
    public func consumed(streamID: Int32, count: Int) { core.consumed(streamID: streamID, count: count) }

    /// Cancels a stream (the client went away): RST_STREAM with CANCEL by default.
    public func reset(streamID: Int32, errorCode: UInt32 = 8) { core.reset(streamID: streamID, errorCode: errorCode) }

    // MARK: Frames (HTTP2SessionRole)

    func beginHeaders(streamID: Int32, category: nghttp2_headers_category) {
        pendingStreamID = streamID
        pendingHead = PendingHead()
    }

    func header(streamID: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        guard streamID == pendingStreamID, pendingHead != nil else { return }
        if name.elementsEqual(":status".utf8) {
            pendingHead!.status = Int(String(decoding: value, as: UTF8.self))
        } else if name.first != UInt8(ascii: ":") {
            pendingHead!.fields.append(name: UnsafeRawBufferPointer(name), value: UnsafeRawBufferPointer(value))
        }
    }

    func headersReceived(streamID: Int32, endStream: Bool) -> Bool {
        guard streamID == pendingStreamID, let pending = pendingHead else { return true }
        pendingHead = nil
        // libnghttp2 checked the block: a status on a response head, none on trailers.
        if let status = pending.status {
            if status < 200 {
                events.append(.interim(streamID: streamID, status: status))
            } else {
                events.append(.response(streamID: streamID, status: status, fields: pending.fields, endStream: endStream))
            }
        } else {
            events.append(.trailers(streamID: streamID, fields: pending.fields.fields))
        }
        return true
    }

    func streamEnded(streamID: Int32) {
        events.append(.endOfResponse(streamID: streamID))
    }

    func goawayReceived(lastStreamID: Int32, errorCode: UInt32) {
        events.append(.goaway(lastStreamID: lastStreamID, errorCode: errorCode))
    }

    func dataChunk(streamID: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
        events.append(.data(streamID: streamID, bytes: Array(bytes)))
    }

    func streamClosed(streamID: Int32, errorCode: UInt32) {
        if streamID == pendingStreamID { pendingHead = nil }
        events.append(.streamClosed(streamID: streamID, errorCode: errorCode))
    }

    func streamEndSent(streamID: Int32) {}
}

/// What a client session found in the upstream's bytes, in order.
public enum HTTP2ResponseEvent: Equatable, Sendable {
    /// An interim (1xx) response head.
    case interim(streamID: Int32, status: Int)
    /// The final response head; `endStream` when it is the whole response.
    case response(streamID: Int32, status: Int, fields: HTTP2FieldBlock, endStream: Bool)
    /// Response body bytes; the windows reopen only as they are reported consumed.
    case data(streamID: Int32, bytes: [UInt8])
    case trailers(streamID: Int32, fields: [HTTP2Field])
    /// The upstream finished its response (END_STREAM).
    case endOfResponse(streamID: Int32)
    /// The stream closed, normally (0) or reset (REFUSED_STREAM, 7, may be retried).
    case streamClosed(streamID: Int32, errorCode: UInt32)
    /// The upstream is going away: streams above `lastStreamID` were not processed and may
    /// be retried on another connection.
    case goaway(lastStreamID: Int32, errorCode: UInt32)
}
