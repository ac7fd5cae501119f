import ApusHTTP

/// Properties of the request head parser on arbitrary bytes: it never crashes, offsets
/// stay inside the head, the verdict does not depend on how the bytes are split, and a
/// head it accepts serializes into an upstream head it accepts again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let limits = HTTPLimits(maxHeadBytes: 2_048, maxHeaderCount: 20, maxURIBytes: 512)
    var parser = RequestHeadParser(limits: limits)
    var head = RequestHead()
    let whole = parser.parse(input, into: &head)

    // One byte at a time, then in splits derived from the input.
    var stepwise = RequestHeadParser(limits: limits)
    var stepHead = RequestHead()
    var byByte = HeadParseResult.needMore
    var end = 0
    while end < size && byByte == .needMore {
        end += 1
        byByte = stepwise.parse(UnsafeRawBufferPointer(rebasing: input[0..<end]), into: &stepHead)
    }
    precondition(byByte == whole, "split feeding disagrees: \(byByte) vs \(whole)")
    var split = RequestHeadParser(limits: limits)
    var splitHead = RequestHead()
    var bySplit = HeadParseResult.needMore
    end = 0
    while end < size && bySplit == .needMore {
        end = min(size, end + 1 + Int(data[end] % 13))
        bySplit = split.parse(UnsafeRawBufferPointer(rebasing: input[0..<end]), into: &splitHead)
    }
    precondition(bySplit == whole, "random splits disagree: \(bySplit) vs \(whole)")

    if case .failed(let error) = whole {
        precondition(error.offset >= 0 && error.offset <= size, "error offset out of range")
    }
    guard whole == .complete else { return 0 }
    precondition(head.headLength <= size && head.headLength == stepHead.headLength)
    precondition(head.headers == stepHead.headers && head.headers == splitHead.headers)
    let length = Int32(head.headLength)
    precondition(0 <= head.methodStart && head.methodStart < head.methodEnd && head.methodEnd < head.targetStart)
    precondition(head.targetStart < head.targetEnd && head.targetEnd < length)
    precondition(head.targetStart <= head.pathStart && head.pathStart <= head.queryStart)
    precondition(head.queryStart <= head.pathEnd && head.pathEnd == head.targetEnd)
    precondition(head.authorityStart <= head.authorityEnd && head.authorityEnd <= head.pathStart)
    precondition(head.headers.count <= limits.maxHeaderCount)
    for field in head.headers {
        precondition(head.targetEnd < field.nameStart && field.nameStart < field.nameEnd)
        precondition(field.nameEnd < field.valueStart && field.valueStart <= field.valueEnd && field.valueEnd < length)
    }
    precondition(head.hostIndex < head.headers.count)
    precondition(!(head.isChunked && head.contentLength >= 0), "CL and TE accepted together")
    // gzip negotiation reads Accept-Encoding values as they came (any bytes a field may hold).
    precondition(head.acceptEncodingIndex < 0 || head.headers[head.acceptEncodingIndex].known == .acceptEncoding)
    precondition((head.acceptEncodingIndex >= 0) == head.headers.contains { $0.known == .acceptEncoding })
    _ = ContentCoding.acceptsGzip(head, bytes: input)
    precondition(head.version == .http10 || head.hostIndex >= 0, "HTTP/1.1 without Host accepted")

    // What we send upstream must itself be a valid head with the same framing.
    var written = HeadBuffer()
    let context = ForwardingContext(clientAddress: Array("192.0.2.1".utf8), scheme: Array("http".utf8),
                                    port: Array("80".utf8), generatedRequestID: (1, 2), forwardUpgrade: head.isUpgrade)
    HeadSerializer.writeUpstreamRequest(head, bytes: input, targetOverride: nil, context: context, into: &written)
    let out = written.bytes
    var again = RequestHeadParser(limits: HTTPLimits(maxHeadBytes: 1 << 20, maxHeaderCount: 1_000, maxURIBytes: 1 << 20))
    var upstream = RequestHead()
    let reparsed = out.withUnsafeBytes { again.parse($0, into: &upstream) }
    if head.hostIndex < 0 && head.authorityStart == head.authorityEnd {
        // HTTP/1.0 without Host goes upstream with an empty Host, which we refuse ourselves.
        guard case .failed(let error) = reparsed, error.reason == .invalidHost else {
            preconditionFailure("hostless upstream head: \(reparsed)")
        }
        return 0
    }
    precondition(reparsed == .complete, "upstream head does not parse: \(reparsed)")
    precondition(upstream.headLength == out.count)
    precondition(upstream.method == head.method && upstream.contentLength == head.contentLength)
    precondition(upstream.isChunked == head.isChunked)

    // The normalizer must cope with any accepted origin-form path.
    if head.authorityStart == head.authorityEnd && input[Int(head.pathStart)] == UInt8(ascii: "/") {
        let path = UnsafeRawBufferPointer(rebasing: input[Int(head.pathStart)..<Int(head.pathEnd)])
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: path.count, alignment: 1)
        defer { scratch.deallocate() }
        if let n = PathNormalizer.normalize(path, into: scratch) { precondition(n >= 1 && n <= path.count) }
    }
    return 0
}
