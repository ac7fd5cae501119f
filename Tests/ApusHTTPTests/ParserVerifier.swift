import Testing
@testable import ApusHTTP

/// Feeds each input to a parser all at once, one byte at a time and in random splits, and
/// checks that every way of feeding gives the same outcome; returns that outcome.
enum ParserVerifier {
    /// What a request parse produced, comparable across feeding strategies.
    struct RequestOutcome: Equatable {
        var result: HeadParseResult
        var headLength = 0
        var method: HTTPMethod = .get
        /// The method token from `methodStart` to `methodEnd`.
        var methodText = ""
        var target = ""
        var path = ""
        var query = ""
        var authority = ""
        var version: HTTPVersion = .http11
        var fields: [HeaderField] = []
        var hostIndex = -1
        var cookieIndex = -1
        var contentLength: Int64 = -1
        var isChunked = false
        var keepAlive = true
        var isUpgrade = false
        var expectsContinue = false
    }

    struct ResponseOutcome: Equatable {
        var result: HeadParseResult
        var headLength = 0
        var status = 0
        var reason = ""
        var version: HTTPVersion = .http11
        var fields: [HeaderField] = []
        var framing: BodyFraming = .none
        var connectionClose = false
        var contentLength: Int64 = -1
    }

    /// Deterministic split points (a small LCG), so failures reproduce.
    static func splits(_ count: Int, seed: UInt64) -> [Int] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        var points: [Int] = []
        var at = 0
        while at < count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            at += 1 + Int((state >> 33) % 7)
            points.append(min(at, count))
        }
        return points
    }

    static func strategies(_ count: Int) -> [[Int]] {
        count == 0 ? [[0]] : [[count], Array(1...count), splits(count, seed: 1), splits(count, seed: 7)]
    }

    static func string(_ bytes: [UInt8], _ start: Int32, _ end: Int32) -> String {
        String(decoding: bytes[Int(start)..<Int(end)], as: UTF8.self)
    }

    /// Parses `bytes` with every feeding strategy and expects one outcome.
    @discardableResult
    static func request(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits(),
                        sourceLocation: SourceLocation = #_sourceLocation) -> RequestOutcome {
        var outcomes: [RequestOutcome] = []
        for points in strategies(bytes.count) {
            var parser = RequestHeadParser(limits: limits)
            var head = RequestHead()
            var result = HeadParseResult.needMore
            for end in points {
                result = bytes.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[0..<end]), into: &head) }
                if result != .needMore { break }
            }
            var o = RequestOutcome(result: result)
            if result == .complete {
                o.headLength = head.headLength
                o.method = head.method
                o.methodText = string(bytes, head.methodStart, head.methodEnd)
                o.target = string(bytes, head.targetStart, head.targetEnd)
                o.path = string(bytes, head.pathStart, head.pathEnd)
                o.query = string(bytes, head.queryStart, head.pathEnd)
                o.authority = string(bytes, head.authorityStart, head.authorityEnd)
                o.version = head.version
                o.fields = head.headers
                o.hostIndex = head.hostIndex
                o.cookieIndex = head.cookieIndex
                o.contentLength = head.contentLength
                o.isChunked = head.isChunked
                o.keepAlive = head.keepAlive
                o.isUpgrade = head.isUpgrade
                o.expectsContinue = head.expectsContinue
            }
            outcomes.append(o)
        }
        for o in outcomes.dropFirst() {
            #expect(o == outcomes[0], "feeding strategies disagree", sourceLocation: sourceLocation)
        }
        return outcomes[0]
    }

    @discardableResult
    static func request(_ text: String, limits: HTTPLimits = HTTPLimits(),
                        sourceLocation: SourceLocation = #_sourceLocation) -> RequestOutcome {
        request(Array(text.utf8), limits: limits, sourceLocation: sourceLocation)
    }

    @discardableResult
    static func response(_ text: String, method: HTTPMethod = .get,
                         sourceLocation: SourceLocation = #_sourceLocation) -> ResponseOutcome {
        let bytes = Array(text.utf8)
        var outcomes: [ResponseOutcome] = []
        for points in strategies(bytes.count) {
            var parser = ResponseHeadParser()
            var head = ResponseHead()
            var result = HeadParseResult.needMore
            for end in points {
                result = bytes.withUnsafeBytes {
                    parser.parse(UnsafeRawBufferPointer(rebasing: $0[0..<end]), requestMethod: method, into: &head)
                }
                if result != .needMore { break }
            }
            var o = ResponseOutcome(result: result)
            if result == .complete {
                o.headLength = head.headLength
                o.status = head.status
                o.reason = string(bytes, head.reasonStart, head.reasonEnd)
                o.version = head.version
                o.fields = head.headers
                o.framing = head.framing
                o.connectionClose = head.connectionClose
                o.contentLength = head.contentLength
            }
            outcomes.append(o)
        }
        for o in outcomes.dropFirst() {
            #expect(o == outcomes[0], "feeding strategies disagree", sourceLocation: sourceLocation)
        }
        return outcomes[0]
    }

    /// What decoding a whole chunked stream produced.
    struct ChunkedOutcome: Equatable {
        var payload: [UInt8] = []
        /// Bytes consumed through the end, or nil when the stream did not end.
        var endedAt: Int?
        var failure: HTTPParseError.Reason?
        var payloadBytes: Int64 = 0
    }

    @discardableResult
    static func chunked(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> ChunkedOutcome {
        var outcomes: [ChunkedOutcome] = []
        for points in strategies(bytes.count) {
            var decoder = ChunkedDecoder()
            var o = ChunkedOutcome()
            var start = 0
            var available = 0
            feeding: for end in points {
                available = end
                while start < available {
                    let step = bytes.withUnsafeBytes {
                        decoder.decode(UnsafeRawBufferPointer(rebasing: $0[start..<available]))
                    }
                    switch step {
                    case .needMore(let consumed):
                        start += consumed
                        if consumed == 0 { continue feeding }
                    case .data(let offset, let count, let consumed):
                        o.payload += bytes[(start + offset)..<(start + offset + count)]
                        start += consumed
                    case .end(let consumed):
                        start += consumed
                        o.endedAt = start
                        break feeding
                    case .failed(let error):
                        o.failure = error.reason
                        break feeding
                    }
                }
            }
            o.payloadBytes = decoder.payloadBytes
            outcomes.append(o)
        }
        for o in outcomes.dropFirst() {
            #expect(o == outcomes[0], "feeding strategies disagree", sourceLocation: sourceLocation)
        }
        return outcomes[0]
    }
}
