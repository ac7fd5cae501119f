import CNghttp2

/// What a role (server or client) does with the frames libnghttp2 reports; the session
/// core turns libnghttp2's callbacks into these calls, so each role holds only its own
/// head handling.
protocol HTTP2SessionRole: AnyObject {
    /// A header block begins on a stream (`category`: request, response, or trailers).
    func beginHeaders(streamID: Int32, category: nghttp2_headers_category)
    func header(streamID: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>)
    /// A whole header block arrived. Returns false when the role reset the stream, so that
    /// its END_STREAM is not reported; otherwise it follows as `streamEnded`.
    func headersReceived(streamID: Int32, endStream: Bool) -> Bool
    /// Body bytes (the connection's window already reopened for them).
    func dataChunk(streamID: Int32, _ bytes: UnsafeBufferPointer<UInt8>)
    /// The peer ended its side of the stream (END_STREAM on HEADERS or DATA).
    func streamEnded(streamID: Int32)
    func goawayReceived(lastStreamID: Int32, errorCode: UInt32)
    /// The stream closed; its outgoing body was already dropped.
    func streamClosed(streamID: Int32, errorCode: UInt32)
    /// A frame that ends this side of the stream (END_STREAM) went out.
    func streamEndSent(streamID: Int32)
}

/// libnghttp2's callbacks, shared by both roles: the user data is the core, which passes
/// each call on to its role.
enum HTTP2SessionCallbacks {
    static func install(_ callbacks: OpaquePointer) {
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameReceived)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunk)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose)
        nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks, onFrameNotSent)
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, onFrameSent)
    }

    static let readBody: nghttp2_data_source_read_callback = { _, streamID, buffer, capacity, flags, _, user in
        guard let buffer, let flags else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
        return core(user).readBody(streamID: streamID, into: buffer, capacity: capacity, flags: flags)
    }
}

private func core(_ user: UnsafeMutableRawPointer?) -> HTTP2SessionCore {
    Unmanaged<HTTP2SessionCore>.fromOpaque(user!).takeUnretainedValue()
}

private let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, user in
    if let frame { core(user).role.beginHeaders(streamID: frame.pointee.hd.stream_id, category: frame.pointee.headers.cat) }
    return 0
}

private let onHeader: nghttp2_on_header_callback = { _, frame, name, nameLength, value, valueLength, _, user in
    if let frame, let name, let value {
        core(user).role.header(streamID: frame.pointee.hd.stream_id, name: UnsafeBufferPointer(start: name, count: nameLength),
                               value: UnsafeBufferPointer(start: value, count: valueLength))
    }
    return 0
}

private let onFrameReceived: nghttp2_on_frame_recv_callback = { _, frame, user in
    guard let frame else { return 0 }
    let role: any HTTP2SessionRole = core(user).role!
    let header = frame.pointee.hd
    let endStream = header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
    switch UInt32(header.type) {
    case NGHTTP2_HEADERS.rawValue:
        if role.headersReceived(streamID: header.stream_id, endStream: endStream), endStream {
            role.streamEnded(streamID: header.stream_id)
        }
    case NGHTTP2_DATA.rawValue:
        if endStream {
            role.streamEnded(streamID: header.stream_id)
        } else if header.length == 0, !core(user).allowEmptyDataFrame() {
            // The session is terminated; the failure ends `receive` with an error.
            return Int32(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue)
        }
    case NGHTTP2_SETTINGS.rawValue:
        if header.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) == 0 { core(user).peerSettingsReceived = true }
    case NGHTTP2_GOAWAY.rawValue:
        role.goawayReceived(lastStreamID: frame.pointee.goaway.last_stream_id, errorCode: frame.pointee.goaway.error_code)
    default:
        break
    }
    return 0
}

private let onDataChunk: nghttp2_on_data_chunk_recv_callback = { _, _, streamID, data, length, user in
    guard let data else { return 0 }
    let core = core(user)
    core.received(count: length)
    core.role.dataChunk(streamID: streamID, UnsafeBufferPointer(start: data, count: length))
    return 0
}

private let onFrameSent: nghttp2_on_frame_send_callback = { _, frame, user in
    guard let frame, frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0 else { return 0 }
    let type = UInt32(frame.pointee.hd.type)
    if type == NGHTTP2_DATA.rawValue || type == NGHTTP2_HEADERS.rawValue {
        let role: any HTTP2SessionRole = core(user).role!
        role.streamEndSent(streamID: frame.pointee.hd.stream_id)
    }
    return 0
}

/// A head that could not go out (its stream closed meanwhile) takes its queued body with it.
private let onFrameNotSent: nghttp2_on_frame_not_send_callback = { _, frame, _, user in
    if let frame, UInt32(frame.pointee.hd.type) == NGHTTP2_HEADERS.rawValue { core(user).closeBody(frame.pointee.hd.stream_id) }
    return 0
}

private let onStreamClose: nghttp2_on_stream_close_callback = { _, streamID, errorCode, user in
    let core = core(user)
    core.closeBody(streamID)
    core.role.streamClosed(streamID: streamID, errorCode: errorCode)
    return 0
}
