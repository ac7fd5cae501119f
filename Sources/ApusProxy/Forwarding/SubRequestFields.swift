import ApusHTTP

/// The client's header fields as the requests Apus makes on a request's behalf (external
/// auth, error backends) carry them: copied as received, except the ones such a request
/// leaves out or sets itself.
enum SubRequestFields {
    /// Framing and connection fields: these requests have no body, and their connection
    /// is Apus's own.
    static let connectionFields = [
        "host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "expect", "upgrade", "proxy-connection", "trailer",
    ]
    private static let requestIDField = Array("x-request-id".utf8)
    private static let acceptField = Array("accept".utf8)

    /// Appends `Name: value` lines for the fields of `head` (in `raw`) whose lowercase name
    /// is in neither set; returns the values of the client's X-Request-ID and Accept.
    static func copy(_ head: RequestHead, _ raw: UnsafeRawBufferPointer, dropping dropped: Set<[UInt8]>,
                     alsoDropping alsoDropped: Set<[UInt8]> = [], into out: inout [UInt8])
        -> (requestID: Slice<UnsafeRawBufferPointer>?, accept: Slice<UnsafeRawBufferPointer>?) {
        var lowered: [UInt8] = []
        var requestID: Slice<UnsafeRawBufferPointer>?
        var accept: Slice<UnsafeRawBufferPointer>?
        for field in head.headers where !field.listedInConnection {
            let name = raw[Int(field.nameStart)..<Int(field.nameEnd)]
            let value = raw[Int(field.valueStart)..<Int(field.valueEnd)]
            lowered.removeAll(keepingCapacity: true)
            for byte in name { lowered.append(TemplateRequest.lowercase(byte)) }
            if lowered == requestIDField { requestID = value }
            if lowered == acceptField && accept == nil { accept = value }
            if dropped.contains(lowered) || alsoDropped.contains(lowered) { continue }
            out += name
            out += ": ".utf8
            out += value
            out += "\r\n".utf8
        }
        return (requestID, accept)
    }
}
