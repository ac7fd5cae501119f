import CNghttp2

/// The libnghttp2 session under either role (`HTTP2ServerSession`, `HTTP2ClientSession`):
/// created with Apus's options (manual window updates, the CONTINUATION and rapid-reset
/// limits), bytes in and out, windows, resets, and the bodies going out.
/// Thread rule: as its owner's.
final class HTTP2SessionCore {
    let session: OpaquePointer
    /// The session's heap; it outlives the session, which `deinit` deletes first.
    let memory = HTTP2SessionMemory()
    /// The role the callbacks report to; it owns this core, so it is not retained.
    private(set) unowned(unsafe) var role: (any HTTP2SessionRole)!
    private var bodies = HTTP2OutgoingBodies()
    /// Empty DATA frames without END_STREAM left before the connection is closed.
    private var emptyDataFramesLeft: Int32
    /// The peer's first SETTINGS arrived (its limits are known).
    var peerSettingsReceived = false

    /// - Parameter entries: the SETTINGS the session sends first.
    init(server: Bool, settings: HTTP2Settings, entries: [nghttp2_settings_entry]) throws(HTTP2Error) {
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else {
            throw HTTP2Error(code: -901, message: "cannot allocate the session callbacks")
        }
        defer { nghttp2_session_callbacks_del(callbacks) }
        HTTP2SessionCallbacks.install(callbacks)
        emptyDataFramesLeft = Int32(clamping: settings.maxEmptyDataFrames)
        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0, let option else {
            throw HTTP2Error(code: -901, message: "cannot allocate the session options")
        }
        defer { nghttp2_option_del(option) }
        nghttp2_option_set_no_auto_window_update(option, 1)
        nghttp2_option_set_max_continuations(option, settings.maxContinuations)
        if server {
            // A closed stream leaves the stream table at once (libnghttp2 keeps some for
            // RFC 7540 priorities, which Apus does not use): an idle session's table is
            // empty, and its page can be released.
            nghttp2_option_set_no_closed_streams(option, 1)
            // Responses are encoded from the static table and literals only, as nginx does:
            // the encoder keeps no copy of past fields for each connection.
            nghttp2_option_set_max_deflate_dynamic_table_size(option, 0)
            nghttp2_option_set_stream_reset_rate_limit(option, settings.resetBurst, settings.resetsPerSecond)
        } else {
            // Until the server's SETTINGS say how many streams it takes, one goes out and
            // the others wait in the session: a server may refuse streams past a limit the
            // client could not know yet.
            nghttp2_option_set_peer_max_concurrent_streams(option, 1)
        }
        var created: OpaquePointer?
        var allocator = memory.allocator(encoderKeepsNoTable: server)
        let status = server ? nghttp2_session_server_new3(&created, callbacks, nil, option, &allocator)
            : nghttp2_session_client_new3(&created, callbacks, nil, option, &allocator)
        guard status == 0, let created else { throw HTTP2Error(code: status, message: "cannot create the session") }
        session = created
        var entries = entries
        // Thrown once every property is set, so `deinit` runs and deletes the session.
        if let error = HTTP2Error(status: nghttp2_submit_settings(created, UInt8(NGHTTP2_FLAG_NONE.rawValue), &entries, entries.count)) {
            throw error
        }
    }

    deinit {
        nghttp2_session_del(session)
    }

    /// Points the callbacks at this core and through it at `role`, which owns the core.
    /// Nothing calls back before the first `receive` or `nextOutput`.
    func attach(_ role: any HTTP2SessionRole) {
        self.role = role
        nghttp2_session_set_user_data(session, Unmanaged.passUnretained(self).toOpaque())
    }

    static func entry(_ id: nghttp2_settings_id, _ value: UInt32) -> nghttp2_settings_entry {
        nghttp2_settings_entry(settings_id: Int32(id.rawValue), value: value)
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> HTTP2Error? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        return HTTP2Error(status: Int32(clamping: nghttp2_session_mem_recv(session, base.assumingMemoryBound(to: UInt8.self), bytes.count)))
    }

    func nextOutput() -> Result<UnsafeRawBufferPointer, HTTP2Error>? {
        var data: UnsafePointer<UInt8>?
        let count = nghttp2_session_mem_send(session, &data)
        if let error = HTTP2Error(status: Int32(clamping: count)) { return .failure(error) }
        guard count > 0, let data else { return nil }
        return .success(UnsafeRawBufferPointer(start: data, count: count))
    }

    /// Hands back the pages an idle session does not need (see `HTTP2SessionMemory`); does
    /// nothing while it has frames to send.
    func releaseIdleMemory() {
        guard nghttp2_session_want_write(session) == 0, nghttp2_session_want_read(session) != 0 else { return }
        bodies.releaseStorage()
        memory.releaseIdlePages()
    }

    var isFinished: Bool {
        nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0
    }

    /// Body bytes arrived on a stream: the connection's window reopens at once (each
    /// stream's own window bounds what it can make Apus hold), the stream's only as
    /// `consumed` reports them passed on. A slow stream so holds itself back, never the
    /// others.
    /// Counts an empty DATA frame that does not end its stream: false once there were too
    /// many, after queueing a GOAWAY with ENHANCE_YOUR_CALM.
    func allowEmptyDataFrame() -> Bool {
        emptyDataFramesLeft -= 1
        guard emptyDataFramesLeft < 0 else { return true }
        nghttp2_session_terminate_session(session, NGHTTP2_ENHANCE_YOUR_CALM.rawValue)
        return false
    }

    func received(count: Int) {
        nghttp2_session_consume_connection(session, count)
    }

    func consumed(streamID: Int32, count: Int) {
        guard count > 0 else { return }
        nghttp2_session_consume_stream(session, streamID, count)
    }


    func reset(streamID: Int32, errorCode: UInt32) {
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, errorCode)
    }

    // MARK: Bodies going out

    /// Opens the outgoing body of a stream whose head went out with a data provider.
    func openBody(_ streamID: Int32) { bodies.open(streamID) }

    func closeBody(_ streamID: Int32) { bodies.close(streamID) }

    func sendData(streamID: Int32, _ bytes: UnsafeRawBufferPointer, endStream: Bool, trailers: [HTTP2Field]?) {
        guard bodies.append(streamID, bytes, endStream: endStream, trailers: trailers) else { return }
        nghttp2_session_resume_data(session, streamID)
    }

    func queuedBytes(streamID: Int32) -> Int { bodies.queuedBytes(streamID) }

    var totalQueuedBytes: Int { bodies.totalQueued }

    /// Copies queued body bytes into the frame libnghttp2 is building, and submits the
    /// trailers after the last of them (libnghttp2 allows it from the read callback).
    func readBody(streamID: Int32, into buffer: UnsafeMutablePointer<UInt8>, capacity: Int, flags: UnsafeMutablePointer<UInt32>) -> Int {
        let (count, trailers) = bodies.read(streamID, into: buffer, capacity: capacity, flags: flags)
        // The last DATA frame leaves the stream open only if the trailers were queued.
        if let trailers, HTTP2HeaderList.with(trailers, { list, length in nghttp2_submit_trailer(session, streamID, list, length) }) == nil {
            flags.pointee |= NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
        }
        return count
    }
}
