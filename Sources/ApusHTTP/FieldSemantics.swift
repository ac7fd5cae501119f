/// What the framing and connection fields of a head say, derived once after the field
/// lines parsed; shared by the request and the response parser.
@usableFromInline
struct FieldSemantics {
    @usableFromInline var contentLength: Int64 = -1
    @usableFromInline var hasTransferEncoding = false
    @usableFromInline var isChunked = false
    @usableFromInline var connectionClose = false
    @usableFromInline var connectionKeepAlive = false
    @usableFromInline var connectionUpgrade = false
    @usableFromInline var hasUpgradeField = false
    @usableFromInline var hostCount = 0
    @usableFromInline var hostIndex = -1
    @usableFromInline var secondHostIndex = -1
    @usableFromInline var expectsContinue = false
    @usableFromInline var acceptEncodingIndex = -1
    @usableFromInline var cookieIndex = -1

    @inlinable init() {}

    /// Walks the fields once; marks fields named by `Connection`.
    /// - Returns: the first fault (Content-Length or Transfer-Encoding syntax, both present).
    @inlinable
    mutating func derive(_ p: UnsafePointer<UInt8>, _ headers: inout [HeaderField]) -> HTTPParseError? {
        var transferEncodingAt = -1
        var contentLengthAt = -1
        var hasConnection = false
        for i in headers.indices {
            let field = headers[i]
            switch field.known {
            case .contentLength:
                guard let value = FieldLines.contentLength(p, field) else {
                    return HTTPParseError(.invalidContentLength, at: Int(field.valueStart))
                }
                if contentLength >= 0 && contentLength != value {
                    return HTTPParseError(.conflictingContentLength, at: Int(field.valueStart))
                }
                contentLength = value
                if contentLengthAt < 0 { contentLengthAt = Int(field.nameStart) }
            case .transferEncoding:
                if transferEncodingAt < 0 { transferEncodingAt = Int(field.nameStart) }
                hasTransferEncoding = true
                if let fault = transferCodings(p, field) { return fault }
            case .connection:
                hasConnection = true
            case .upgrade:
                hasUpgradeField = true
            case .host:
                hostCount &+= 1
                if hostIndex < 0 { hostIndex = i } else if secondHostIndex < 0 { secondHostIndex = i }
            case .acceptEncoding:
                if acceptEncodingIndex < 0 { acceptEncodingIndex = i }
            case .cookie:
                if cookieIndex < 0 { cookieIndex = i }
            case .expect:
                expectsContinue = HTTPBytes.equalsLowercase(
                    p, Int(field.valueStart), Int(field.valueEnd &- field.valueStart), "100-continue")
            default:
                break
            }
        }
        if hasTransferEncoding {
            if contentLengthAt >= 0 {
                return HTTPParseError(.contentLengthAndTransferEncoding, at: max(contentLengthAt, transferEncodingAt))
            }
            if !isChunked { return HTTPParseError(.unsupportedTransferEncoding, at: transferEncodingAt) }
        }
        if hasConnection { return connectionTokens(p, &headers) }
        return nil
    }

    /// Checks one Transfer-Encoding field; the codings of all such fields form one list in
    /// which `chunked` must appear once, last. Any other coding is refused (501): the
    /// proxy re-frames bodies and could not forward it faithfully.
    @inlinable
    mutating func transferCodings(_ p: UnsafePointer<UInt8>, _ field: HeaderField) -> HTTPParseError? {
        var fault: HTTPParseError? = nil
        var sawAny = false
        let ok = FieldLines.forEachToken(p, field) { start, end, hasParams in
            sawAny = true
            if isChunked {
                // Something after `chunked` (another coding or a second `chunked`).
                fault = HTTPParseError(.invalidHeaderValue, at: start)
                return false
            }
            if HTTPBytes.equalsLowercase(p, start, end &- start, "chunked") && !hasParams {
                isChunked = true
                return true
            }
            fault = HTTPParseError(.unsupportedTransferEncoding, at: start)
            return false
        }
        if let fault { return fault }
        if !ok || !sawAny { return HTTPParseError(.invalidHeaderValue, at: Int(field.valueStart)) }
        return nil
    }

    /// Reads the Connection tokens and marks every field they name as hop-by-hop.
    ///
    /// A token that is a known header name can only name fields recognised as that header
    /// (recognition is exact), so only those are marked; any other token is compared with
    /// the names of `.other` fields.
    @inlinable
    mutating func connectionTokens(_ p: UnsafePointer<UInt8>, _ headers: inout [HeaderField]) -> HTTPParseError? {
        for i in headers.indices where headers[i].known == .connection {
            // The common values, a lone `keep-alive` or `close`, without the token walk.
            let field = headers[i]
            let valueLength = Int(field.valueEnd &- field.valueStart)
            if valueLength == 10 && HTTPBytes.equalsFolded(p, Int(field.valueStart), "keep-alive") {
                connectionKeepAlive = true
                for j in headers.indices where headers[j].known == .keepAlive { headers[j].listedInConnection = true }
                continue
            }
            if valueLength == 5 && HTTPBytes.equalsFolded(p, Int(field.valueStart), "close") {
                connectionClose = true
                for j in headers.indices where headers[j].known == .other && headers[j].nameEnd &- headers[j].nameStart == 5
                    && HTTPBytes.equalsLowercase(p, Int(headers[j].nameStart), 5, "close") {
                    headers[j].listedInConnection = true
                }
                continue
            }
            let ok = FieldLines.forEachToken(p, headers[i]) { start, end, hasParams in
                if hasParams { return false }
                let length = end &- start
                let known = KnownHeader.recognise(p, start, length)
                switch known {
                case .keepAlive: connectionKeepAlive = true
                case .upgrade: connectionUpgrade = true
                case .other:
                    if HTTPBytes.equalsLowercase(p, start, length, "close") { connectionClose = true }
                default: break
                }
                for j in headers.indices where headers[j].known == known && !headers[j].listedInConnection {
                    if known != .other || HTTPBytes.equalsCaseInsensitive(
                        p, start, end, Int(headers[j].nameStart), Int(headers[j].nameEnd)) {
                        headers[j].listedInConnection = true
                    }
                }
                return true
            }
            if !ok { return HTTPParseError(.invalidHeaderValue, at: Int(headers[i].valueStart)) }
        }
        return nil
    }
}
