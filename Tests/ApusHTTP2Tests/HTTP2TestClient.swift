import ApusHTTP2
import CNghttp2

/// A real HTTP/2 client for the session tests: libnghttp2's own client session, fed the
/// server's bytes and asked for its own (memory-based both ways), so the frames under test
/// are what a conforming peer writes. Hand-made frames (floods, bad prefaces) are written
/// by the tests themselves.
final class HTTP2TestClient {
    struct Response {
        var status: Int?
        var fields: [(String, String)] = []
        var body: [UInt8] = []
        var trailers: [(String, String)] = []
        var closedWith: UInt32?
    }

    private var session: OpaquePointer?
    private(set) var responses: [Int32: Response] = [:]
    private(set) var goaway: (lastStreamID: Int32, errorCode: UInt32)?
    private var uploads: [Int32: (bytes: [UInt8], sent: Int)] = [:]

    init() {
        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, user in
            let client = Unmanaged<HTTP2TestClient>.fromOpaque(user!).takeUnretainedValue()
            let stream = frame!.pointee.hd.stream_id
            let name = String(decoding: UnsafeBufferPointer(start: name, count: nameLength), as: UTF8.self)
            let value = String(decoding: UnsafeBufferPointer(start: value, count: valueLength), as: UTF8.self)
            var response = client.responses[stream] ?? Response()
            if name == ":status" {
                response.status = Int(value)
            } else if response.status != nil && frame!.pointee.headers.cat == NGHTTP2_HCAT_HEADERS {
                response.trailers.append((name, value))
            } else {
                response.fields.append((name, value))
            }
            client.responses[stream] = response
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, stream, data, length, user in
            let client = Unmanaged<HTTP2TestClient>.fromOpaque(user!).takeUnretainedValue()
            client.responses[stream, default: Response()].body += UnsafeBufferPointer(start: data, count: length)
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, stream, code, user in
            let client = Unmanaged<HTTP2TestClient>.fromOpaque(user!).takeUnretainedValue()
            client.responses[stream, default: Response()].closedWith = code
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, user in
            let client = Unmanaged<HTTP2TestClient>.fromOpaque(user!).takeUnretainedValue()
            if UInt32(frame!.pointee.hd.type) == NGHTTP2_GOAWAY.rawValue {
                client.goaway = (frame!.pointee.goaway.last_stream_id, frame!.pointee.goaway.error_code)
            }
            return 0
        }
        nghttp2_session_client_new(&session, callbacks, nil)
        nghttp2_session_set_user_data(session, Unmanaged.passUnretained(self).toOpaque())
        nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil, 0)
    }

    deinit { nghttp2_session_del(session) }

    /// Queues a request; `body` (possibly empty) makes it send DATA after its HEADERS.
    @discardableResult
    func request(_ fields: [(String, String)], body: [UInt8]? = nil) -> Int32 {
        var bytes: [UInt8] = []
        var offsets: [(Int, Int, Int, Int)] = []
        for (name, value) in fields {
            offsets.append((bytes.count, name.utf8.count, bytes.count + name.utf8.count, value.utf8.count))
            bytes += Array(name.utf8) + Array(value.utf8)
        }
        bytes.append(0)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            let list = offsets.map { nghttp2_nv(name: buffer.baseAddress! + $0.0, value: buffer.baseAddress! + $0.2, namelen: $0.1, valuelen: $0.3,
                                                flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)) }
            guard let body else { return nghttp2_submit_request(session, nil, list, list.count, nil, nil) }
            var provider = nghttp2_data_provider()
            provider.read_callback = { _, stream, buffer, capacity, flags, _, user in
                let client = Unmanaged<HTTP2TestClient>.fromOpaque(user!).takeUnretainedValue()
                guard var upload = client.uploads[stream] else { return 0 }
                let count = min(capacity, upload.bytes.count - upload.sent)
                upload.bytes.withUnsafeBufferPointer { buffer!.update(from: $0.baseAddress! + upload.sent, count: count) }
                upload.sent += count
                if upload.sent == upload.bytes.count { flags!.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue }
                client.uploads[stream] = upload
                return count
            }
            let stream = nghttp2_submit_request(session, nil, list, list.count, &provider, nil)
            uploads[stream] = (body, 0)
            return stream
        }
    }

    func reset(_ stream: Int32, code: UInt32 = 8) {
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream, code)
    }

    /// Everything the client has to send now.
    func output() -> [UInt8] {
        var out: [UInt8] = []
        while true {
            var data: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(session, &data)
            guard count > 0, let data else { return out }
            out += UnsafeBufferPointer(start: data, count: count)
        }
    }

    func receive(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBufferPointer { nghttp2_session_mem_recv(session, $0.baseAddress, $0.count) }
    }
}

/// Drains everything the server has to send.
func serverOutput(_ server: HTTP2ServerSession) -> [UInt8] {
    var out: [UInt8] = []
    while case .success(let bytes) = server.nextOutput() { out += bytes }
    return out
}

/// Lets client and server talk until neither has anything to say; returns the server's events.
@discardableResult
func converse(_ client: HTTP2TestClient, _ server: HTTP2ServerSession) -> [HTTP2Event] {
    var events: [HTTP2Event] = []
    for _ in 0..<64 {
        let up = client.output()
        if !up.isEmpty { _ = up.withUnsafeBytes { server.receive($0) } }
        events += server.takeEvents()
        let down = serverOutput(server)
        if !down.isEmpty { client.receive(down) }
        if up.isEmpty && down.isEmpty { break }
    }
    return events
}
