import ApusHTTP

/// What the access log needs from a request, copied before its head bytes are consumed.
struct AccessLogFields {
    var method: [UInt8] = []
    var target: [UInt8] = []
    var version: HTTPVersion = .http11
    /// The request came on an HTTP/2 stream (its head was translated to HTTP/1.1).
    var overHTTP2 = false
    var host: [UInt8] = []
    var referer: [UInt8] = []
    var userAgent: [UInt8] = []
    var upstreamAddress: String = ""

    mutating func clear() {
        method.removeAll(keepingCapacity: true)
        target.removeAll(keepingCapacity: true)
        host.removeAll(keepingCapacity: true)
        referer.removeAll(keepingCapacity: true)
        userAgent.removeAll(keepingCapacity: true)
        upstreamAddress = ""
    }

    /// Copies the fields of `head` (whose bytes are `raw`).
    mutating func record(_ head: RequestHead, _ raw: UnsafeRawBufferPointer) {
        clear()
        method.append(contentsOf: raw[Int(head.methodStart)..<Int(head.methodEnd)])
        target.append(contentsOf: raw[Int(head.targetStart)..<Int(head.targetEnd)])
        version = head.version
        overHTTP2 = false
        for field in head.headers {
            switch field.known {
            case .host: host.append(contentsOf: raw[Int(field.valueStart)..<Int(field.valueEnd)])
            case .other:
                let name = raw[Int(field.nameStart)..<Int(field.nameEnd)]
                if Self.equalsLowercase(name, "user-agent") {
                    userAgent.append(contentsOf: raw[Int(field.valueStart)..<Int(field.valueEnd)])
                } else if Self.equalsLowercase(name, "referer") {
                    referer.append(contentsOf: raw[Int(field.valueStart)..<Int(field.valueEnd)])
                }
            default: break
            }
        }
    }

    private static func equalsLowercase(_ bytes: Slice<UnsafeRawBufferPointer>, _ lower: StaticString) -> Bool {
        guard bytes.count == lower.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: lower.utf8Start, count: lower.utf8CodeUnitCount)
        for (a, b) in zip(bytes, expected) where a | 0x20 != b { return false }
        return true
    }
}
