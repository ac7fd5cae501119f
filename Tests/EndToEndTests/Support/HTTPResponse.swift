import Foundation

/// One HTTP/1.x response as read off the wire, with a parser that frames it the way a client must
/// (no body for HEAD/1xx/204/304, chunked, Content-Length, else until close).
struct HTTPResponse: Sendable, CustomStringConvertible {
    var version: String
    var status: Int
    var reason: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// True when the body was framed by the connection closing (or ended early because it did).
    var endedByClose = false

    /// The first value of header `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Every value of header `name` (case-insensitive), in order.
    func headerValues(_ name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    var description: String { "\(version) \(status) \(reason) (\(body.count) body bytes)" }

    /// Parses one response at the start of `bytes`; returns it and the bytes it used, or nil
    /// when more bytes are needed. 1xx interim responses are returned like any other.
    static func parse(_ bytes: [UInt8], requestMethod: String, atEOF: Bool) -> (HTTPResponse, Int)? {
        guard let headEnd = find([13, 10, 13, 10], in: bytes, from: 0) else { return nil }
        let headText = String(decoding: bytes[0..<headEnd], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var response = HTTPResponse(version: String(statusLine[0]), status: status,
                                    reason: statusLine.count > 2 ? String(statusLine[2]) : "", headers: [], body: [])
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            response.headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let bodyStart = headEnd + 4
        if requestMethod == "HEAD" || status < 200 || status == 204 || status == 304 {
            return (response, bodyStart)
        }
        if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            return parseChunked(bytes, from: bodyStart, into: response, atEOF: atEOF)
        }
        if let lengthText = response.header("Content-Length"), let length = Int(lengthText) {
            if bytes.count - bodyStart >= length {
                response.body = Array(bytes[bodyStart..<(bodyStart + length)])
                return (response, bodyStart + length)
            }
            guard atEOF else { return nil }
            response.body = Array(bytes[bodyStart...])
            response.endedByClose = true
            return (response, bytes.count)
        }
        guard atEOF else { return nil }
        response.body = Array(bytes[bodyStart...])
        response.endedByClose = true
        return (response, bytes.count)
    }

    private static func parseChunked(_ bytes: [UInt8], from start: Int, into response: HTTPResponse, atEOF: Bool) -> (HTTPResponse, Int)? {
        var response = response
        var index = start
        while true {
            guard let lineEnd = find([13, 10], in: bytes, from: index) else { break }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { break }
            if size == 0 {
                var cursor = lineEnd + 2
                while let trailerEnd = find([13, 10], in: bytes, from: cursor) {
                    if trailerEnd == cursor { return (response, cursor + 2) }
                    cursor = trailerEnd + 2
                }
                break
            }
            guard bytes.count >= lineEnd + 2 + size + 2 else { break }
            response.body.append(contentsOf: bytes[(lineEnd + 2)..<(lineEnd + 2 + size)])
            index = lineEnd + 2 + size + 2
        }
        guard atEOF else { return nil }
        response.endedByClose = true
        return (response, bytes.count)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var i = start
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0], Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}
