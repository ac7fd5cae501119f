import ApusHTTP

/// Properties of the response head parser: no crash, split-independent verdicts, offsets
/// inside the head, a framing consistent with the fields, and a downstream head that
/// parses again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let method: HTTPMethod = data[0] & 1 == 0 ? .get : .head
    var parser = ResponseHeadParser(maxHeadBytes: 4_096, maxHeaderCount: 30)
    var head = ResponseHead()
    let whole = parser.parse(input, requestMethod: method, into: &head)

    var stepwise = ResponseHeadParser(maxHeadBytes: 4_096, maxHeaderCount: 30)
    var stepHead = ResponseHead()
    var byByte = HeadParseResult.needMore
    var end = 0
    while end < size && byByte == .needMore {
        end += 1
        byByte = stepwise.parse(UnsafeRawBufferPointer(rebasing: input[0..<end]), requestMethod: method, into: &stepHead)
    }
    precondition(byByte == whole, "split feeding disagrees: \(byByte) vs \(whole)")
    guard whole == .complete else { return 0 }
    precondition(head.headLength <= size && head.headLength == stepHead.headLength && head.headers == stepHead.headers)
    precondition(head.framing == stepHead.framing && head.status == stepHead.status)
    precondition((100...999).contains(head.status))
    let length = Int32(head.headLength)
    precondition(head.reasonStart <= head.reasonEnd && head.reasonEnd < length)
    for field in head.headers {
        precondition(head.reasonEnd < field.nameStart && field.nameStart < field.nameEnd)
        precondition(field.nameEnd < field.valueStart && field.valueStart <= field.valueEnd && field.valueEnd < length)
    }
    switch head.framing {
    case .none: break
    case .chunked: precondition(head.isChunked && head.contentLength < 0)
    case .contentLength(let n): precondition(n > 0 && n == head.contentLength && !head.isChunked)
    case .untilClose: precondition(head.connectionClose && head.contentLength < 0 && !head.isChunked)
    }
    if method == .head || head.status < 200 || head.status == 204 || head.status == 304 {
        precondition(head.framing == .none)
    }

    let framing: HeadSerializer.DownstreamFraming
    switch head.framing {
    case .none: framing = .none
    case .chunked, .untilClose: framing = .chunked
    case .contentLength(let n): framing = .contentLength(n)
    }
    var written = HeadBuffer()
    HeadSerializer.writeDownstreamResponse(head, bytes: input, framing: framing, keepAlive: !head.connectionClose,
                                           downstreamVersion: .http11, into: &written)
    let out = written.bytes
    var again = ResponseHeadParser(maxHeadBytes: 1 << 20, maxHeaderCount: 1_000)
    var downstream = ResponseHead()
    let reparsed = out.withUnsafeBytes { again.parse($0, requestMethod: method, into: &downstream) }
    precondition(reparsed == .complete, "downstream head does not parse: \(reparsed)")
    precondition(downstream.status == head.status && downstream.headLength == out.count)
    if case .contentLength(let n) = framing, method == .get, head.status >= 200, head.status != 204, head.status != 304 {
        precondition(downstream.framing == .contentLength(n))
    }

    // The compressed head (written for a response with a body) parses again, chunked, with
    // Content-Encoding: gzip and Accept-Encoding in Vary.
    _ = ContentCoding.forbidsTransform(head, bytes: input)
    _ = ContentCoding.isEncoded(head)
    _ = ContentCoding.contentType(head, bytes: input)
    guard head.status >= 200, head.status != 204, head.status != 304, method == .get else { return 0 }
    var gzipWritten = HeadBuffer()
    HeadSerializer.writeGzipResponse(head, bytes: input, keepAlive: !head.connectionClose, into: &gzipWritten)
    let gzipped = gzipWritten.bytes
    var gzipParser = ResponseHeadParser(maxHeadBytes: 1 << 20, maxHeaderCount: 1_000)
    var compressed = ResponseHead()
    let gzipReparsed = gzipped.withUnsafeBytes { gzipParser.parse($0, requestMethod: method, into: &compressed) }
    precondition(gzipReparsed == .complete, "compressed head does not parse: \(gzipReparsed)")
    precondition(compressed.status == head.status && compressed.framing == .chunked && compressed.headLength == gzipped.count)
    gzipped.withUnsafeBytes { raw in
        let encodings = compressed.headers.filter { $0.known == .contentEncoding }
        precondition(encodings.count == 1 && String(decoding: raw[Int(encodings[0].valueStart)..<Int(encodings[0].valueEnd)], as: UTF8.self) == "gzip")
    }
    return 0
}
