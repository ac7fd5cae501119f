/// Parses a request head (request line + headers) strictly, per DESIGN.md's HTTP rules.
///
/// Incremental: call `parse` each time more bytes arrived, always with the buffer starting
/// at the first byte of the head; the parser remembers how far it scanned for the blank
/// line and resumes there. Zero-copy: results are offsets into the caller's buffer.
///
/// Empty lines (CRLF) before the request line are skipped (RFC 9112 §2.2) and counted in
/// `headLength`, so the caller consumes them with the head.
public struct RequestHeadParser: Sendable {
    public var limits: HTTPLimits
    /// Where the request line starts (after skipped empty lines), or -1 before it is known.
    @usableFromInline var lineStart = -1
    /// How many bytes were already searched for the end of the head.
    @usableFromInline var scanned = 0

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// Forgets the scan position (call before parsing the next request's head; done
    /// automatically after `.complete`).
    public mutating func reset() {
        lineStart = -1
        scanned = 0
    }

    /// The longest request line accepted before its end is seen: target limit plus room
    /// for a method and the version, never more than the whole head.
    @inlinable var maxRequestLineBytes: Int {
        min(limits.maxURIBytes &+ 32, limits.maxHeadBytes)
    }

    public mutating func parse(_ buffer: UnsafeRawBufferPointer, into head: inout RequestHead) -> HeadParseResult {
        guard let p = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count > 0 else { return .needMore }
        let count = buffer.count
        if lineStart < 0 {
            var pos = 0
            while pos < count {
                let b = p[pos]
                if b == HTTPBytes.cr {
                    guard pos &+ 1 < count else { return .needMore }
                    guard p[pos &+ 1] == HTTPBytes.lf else {
                        return .failed(HTTPParseError(.bareCR, at: pos))
                    }
                    pos &+= 2
                    if pos > limits.maxHeadBytes { return .failed(HTTPParseError(.headTooLarge, at: pos)) }
                } else if b == HTTPBytes.lf {
                    return .failed(HTTPParseError(.bareLF, at: pos))
                } else {
                    break
                }
            }
            if pos == count { return .needMore }
            lineStart = pos
            scanned = pos
        }
        let from = max(lineStart, scanned &- 3)
        guard let end = HTTPBytes.findHeadEnd(p, from: from, count: count) else {
            scanned = count
            let lineLimit = lineStart &+ maxRequestLineBytes
            if count > lineLimit && HTTPBytes.firstLF(p, from: lineStart, end: lineLimit &+ 1) == nil {
                return .failed(HTTPParseError(.uriTooLong, at: lineLimit))
            }
            if count > limits.maxHeadBytes { return .failed(HTTPParseError(.headTooLarge, at: limits.maxHeadBytes)) }
            return .needMore
        }
        scanned = end
        // Same checks, same order as the incomplete path, so the verdict does not depend
        // on how the bytes were split.
        let lineLimit = lineStart &+ maxRequestLineBytes
        if end > lineLimit && HTTPBytes.firstLF(p, from: lineStart, end: lineLimit &+ 1) == nil {
            return .failed(HTTPParseError(.uriTooLong, at: lineLimit))
        }
        if end > limits.maxHeadBytes { return .failed(HTTPParseError(.headTooLarge, at: limits.maxHeadBytes)) }
        head.reset()
        head.headLength = end
        if let fault = parseComplete(p, end: end, into: &head) { return .failed(fault) }
        // Ready for the next head even if the caller forgets `reset()`.
        reset()
        return .complete
    }

    /// Validates and decodes a head known to end at `end`.
    @inlinable
    func parseComplete(_ p: UnsafePointer<UInt8>, end: Int, into head: inout RequestHead) -> HTTPParseError? {
        var line = RequestLine()
        if let fault = line.parse(p, from: lineStart, end: end, maxURIBytes: limits.maxURIBytes) { return fault }
        head.method = line.method
        head.methodStart = Int32(truncatingIfNeeded: lineStart)
        head.methodEnd = Int32(truncatingIfNeeded: line.methodEnd)
        head.targetStart = Int32(truncatingIfNeeded: line.targetStart)
        head.targetEnd = Int32(truncatingIfNeeded: line.targetEnd)
        head.pathStart = Int32(truncatingIfNeeded: line.pathStart)
        head.pathEnd = Int32(truncatingIfNeeded: line.targetEnd)
        head.queryStart = Int32(truncatingIfNeeded: line.queryStart)
        head.authorityStart = Int32(truncatingIfNeeded: line.authorityStart)
        head.authorityEnd = Int32(truncatingIfNeeded: line.authorityEnd)
        head.version = line.version

        if let fault = FieldLines.parse(
            p, from: line.lineEnd, end: end, maxCount: limits.maxHeaderCount, into: &head.headers) {
            return fault
        }
        var fields = FieldSemantics()
        if let fault = fields.derive(p, &head.headers) { return fault }
        if fields.hostCount > 1 {
            return HTTPParseError(.duplicateHost, at: Int(head.headers[fields.secondHostIndex].nameStart))
        }
        if fields.hostIndex >= 0 {
            let host = head.headers[fields.hostIndex]
            if !HostSyntax.isValid(p, Int(host.valueStart), Int(host.valueEnd)) {
                return HTTPParseError(.invalidHost, at: Int(host.valueStart))
            }
        } else if line.version == .http11 {
            return HTTPParseError(.missingHost, at: end &- 2)
        }
        head.hostIndex = fields.hostIndex
        head.contentLength = fields.contentLength
        head.isChunked = fields.isChunked
        if line.version == .http11 {
            head.keepAlive = !fields.connectionClose
        } else {
            head.keepAlive = fields.connectionKeepAlive && !fields.connectionClose
        }
        // RFC 9110 §7.8: an Upgrade in an HTTP/1.0 request is ignored.
        head.isUpgrade = line.version == .http11 && fields.connectionUpgrade && fields.hasUpgradeField
        head.expectsContinue = fields.expectsContinue
        head.acceptEncodingIndex = fields.acceptEncodingIndex
        head.cookieIndex = fields.cookieIndex
        return nil
    }
}
