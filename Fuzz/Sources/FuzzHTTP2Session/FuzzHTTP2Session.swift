import ApusHTTP
import ApusHTTP2

/// A client's bytes after a valid connection preface, fed to a server session in splits
/// the input chooses: no trap; stream ids are odd; no stream delivers more body than its
/// window allowed (nothing is reported consumed); every request head is one Apus can
/// answer or refuses with a status, and the HTTP/1.1 head it becomes, when the HTTP/1.1
/// parser takes it, has the same method and target and is routed by `:authority`; answering every request (with
/// a body and trailers) and draining the output never fails.
/// The same bytes, after an upstream's SETTINGS, fed to a client session with three
/// requests in flight: no trap, and no stream delivers more body than its window.
let preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let settings = HTTP2Settings()
    guard let session = try? HTTP2ServerSession(settings: settings) else { preconditionFailure("no session") }
    _ = preface.withUnsafeBytes { session.receive($0) }
    let input = UnsafeRawBufferPointer(start: data, count: size)
    var received: [Int32: Int] = [:]
    var offset = 0
    var failed = false
    while offset < size && !failed {
        let end = min(size, offset + 1 + Int(data[offset]) * 7)
        failed = session.receive(UnsafeRawBufferPointer(rebasing: input[offset..<end])) != nil
        offset = end
        for event in session.takeEvents() {
            switch event {
            case .request(let head):
                precondition(head.streamID > 0 && head.streamID % 2 == 1, "stream \(head.streamID)")
                precondition(head.refusal == nil)
                check(head)
                _ = session.respond(streamID: head.streamID, status: 200, fields: [HTTP2Field("content-type", "text/plain")], endStream: false)
                [UInt8](repeating: 0x61, count: 100).withUnsafeBytes {
                    session.sendData(streamID: head.streamID, $0, endStream: true, trailers: [HTTP2Field("x-done", "1")])
                }
            case .refused(let stream, let status):
                precondition(stream > 0 && [400, 431].contains(status))
                _ = session.respond(streamID: stream, status: status, fields: [], endStream: true)
            case .data(let stream, let bytes):
                received[stream, default: 0] += bytes.count
                precondition(received[stream]! <= Int(settings.initialWindowSize), "stream \(stream) got more than its window")
            case .trailers(let stream, _), .endOfRequest(let stream), .streamClosed(let stream, _):
                precondition(stream > 0)
            case .goaway:
                break
            }
        }
        while case .success = session.nextOutput() {}
    }
    asUpstream(input)
    return 0
}

func asUpstream(_ input: UnsafeRawBufferPointer) {
    guard let client = try? HTTP2ClientSession() else { preconditionFailure("no session") }
    let get = [HTTP2Field(":method", "GET"), HTTP2Field(":scheme", "http"), HTTP2Field(":authority", "up.test"), HTTP2Field(":path", "/")]
    for _ in 0..<3 { _ = client.request(get, endStream: true) }
    while case .success = client.nextOutput() {}
    _ = [UInt8](repeating: 0, count: 9).withUnsafeBytes { settings in
        var frame = Array(settings)
        frame[3] = 4
        return frame.withUnsafeBytes { client.receive($0) }
    }
    var received: [Int32: Int] = [:]
    var offset = 0
    while offset < input.count {
        let end = min(input.count, offset + 1 + Int(input[offset]) * 7)
        let failed = client.receive(UnsafeRawBufferPointer(rebasing: input[offset..<end])) != nil
        offset = end
        for case .data(let stream, let bytes) in client.takeEvents() {
            received[stream, default: 0] += bytes.count
            precondition(received[stream]! <= 65_535, "stream \(stream) got more than its window")
        }
        while case .success = client.nextOutput() {}
        if failed { break }
    }
}

/// The HTTP/1.1 head of an accepted request keeps its method, target and host.
func check(_ head: HTTP2RequestHead) {
    let bytes = head.http1Head()
    var parser = RequestHeadParser(limits: HTTPLimits(maxHeadBytes: 1 << 20, maxHeaderCount: 1_000, maxURIBytes: 1 << 20))
    var parsed = RequestHead()
    let result = bytes.withUnsafeBytes { parser.parse($0, into: &parsed) }
    guard result == .complete else { return }
    precondition(parsed.headLength == bytes.count, "the whole translation is one head")
    precondition(bytes[Int(parsed.methodStart)..<Int(parsed.methodEnd)].elementsEqual(head.method))
    precondition(bytes[Int(parsed.targetStart)..<Int(parsed.targetEnd)].elementsEqual(head.path))
    // The authority the proxy routes by (`authorityRange`, before it drops a port or a
    // trailing dot) is the one the client named.
    let named = parsed.authorityRange.map { Array(bytes[$0]) } ?? []
    precondition(head.authority.isEmpty || named == head.authority, "routed by another authority than :authority")
}
