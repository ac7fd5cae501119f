/// Parses a response head from an upstream, strictly, and decides its body framing.
///
/// Incremental like `RequestHeadParser`. A response with both Content-Length and
/// Transfer-Encoding is refused (it is the mark of a smuggling attempt or a broken
/// upstream; the proxy answers 502), as is any transfer coding other than `chunked`.
public struct ResponseHeadParser: Sendable {
    public var maxHeadBytes: Int
    public var maxHeaderCount: Int
    @usableFromInline var scanned = 0

    public init(maxHeadBytes: Int = 65_536, maxHeaderCount: Int = 200) {
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
    }

    public mutating func reset() { scanned = 0 }

    /// - Parameter requestMethod: the method of the request this answers (HEAD has no body).
    public mutating func parse(
        _ buffer: UnsafeRawBufferPointer, requestMethod: HTTPMethod, into head: inout ResponseHead
    ) -> HeadParseResult {
        guard let p = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count > 0 else { return .needMore }
        let count = buffer.count
        guard let end = HTTPBytes.findHeadEnd(p, from: max(0, scanned &- 3), count: count) else {
            scanned = count
            if count > maxHeadBytes { return .failed(HTTPParseError(.headTooLarge, at: maxHeadBytes)) }
            return .needMore
        }
        scanned = end
        if end > maxHeadBytes { return .failed(HTTPParseError(.headTooLarge, at: maxHeadBytes)) }
        head.reset()
        head.headLength = end
        if let fault = parseComplete(p, end: end, requestMethod: requestMethod, into: &head) { return .failed(fault) }
        reset()
        return .complete
    }

    @inlinable
    func parseComplete(
        _ p: UnsafePointer<UInt8>, end: Int, requestMethod: HTTPMethod, into head: inout ResponseHead
    ) -> HTTPParseError? {
        // `HTTP/1.x SSS[ reason]CRLF`
        guard end >= 14,
              HTTPBytes.equalsExact(p, 0, 5, "HTTP/"),
              HTTPBytes.isDigit(p[5]),
              p[6] == 46,
              HTTPBytes.isDigit(p[7]),
              p[8] == HTTPBytes.sp
        else { return HTTPParseError(.invalidStatusLine, at: 0) }
        switch (p[5], p[7]) {
        case (49, 49): head.version = .http11
        case (49, 48): head.version = .http10
        default: return HTTPParseError(.unsupportedVersion, at: 5)
        }
        var status = 0
        for i in 9..<12 {
            let b = p[i]
            guard HTTPBytes.isDigit(b) else { return HTTPParseError(.invalidStatusLine, at: i) }
            status = status &* 10 &+ Int(b &- 48)
        }
        guard status >= 100 else { return HTTPParseError(.invalidStatusLine, at: 9) }
        head.status = status
        var pos = 12
        let next = p[pos]
        if next == HTTPBytes.sp {
            pos &+= 1
        } else if next != HTTPBytes.cr {
            return HTTPParseError(.invalidStatusLine, at: pos)
        }
        head.reasonStart = Int32(truncatingIfNeeded: pos)
        while true {
            let b = p[pos]
            if b == HTTPBytes.cr { break }
            if b == HTTPBytes.lf { return HTTPParseError(.bareLF, at: pos) }
            guard HTTPBytes.isFieldValueChar(b) else { return HTTPParseError(.invalidStatusLine, at: pos) }
            pos &+= 1
        }
        head.reasonEnd = Int32(truncatingIfNeeded: pos)
        guard p[pos &+ 1] == HTTPBytes.lf else {
            return HTTPParseError(.bareCR, at: pos)
        }
        if let fault = FieldLines.parse(p, from: pos &+ 2, end: end, maxCount: maxHeaderCount, into: &head.headers) {
            return fault
        }
        var fields = FieldSemantics()
        if let fault = fields.derive(p, &head.headers) { return fault }
        head.contentLength = fields.contentLength
        head.isChunked = fields.isChunked
        head.connectionClose = fields.connectionClose
            || (head.version == .http10 && !fields.connectionKeepAlive)
        if requestMethod == .head || status < 200 || status == 204 || status == 304 {
            head.framing = .none
        } else if fields.isChunked {
            head.framing = .chunked
        } else if fields.contentLength == 0 {
            head.framing = .none
        } else if fields.contentLength > 0 {
            head.framing = .contentLength(fields.contentLength)
        } else {
            head.framing = .untilClose
            head.connectionClose = true
        }
        return nil
    }
}
