import ApusHTTP

/// An HTTP/1.1 response head's fields as an HTTP/2 response carries them (RFC 9113
/// §8.2.2): names lowercased, connection-specific fields and the names Connection lists
/// left out, the body's framing left to the stream (no Transfer-Encoding; Content-Length
/// kept, as the length the DATA frames add up to).
public enum HTTP2ResponseFields {
    public static func fields(of head: ResponseHead, in bytes: UnsafeRawBufferPointer) -> [HTTP2Field] {
        var fields: [HTTP2Field] = []
        fields.reserveCapacity(head.headers.count)
        for field in head.headers where !field.listedInConnection {
            switch field.known {
            case .connection, .keepAlive, .proxyConnection, .transferEncoding, .upgrade, .te, .trailer:
                continue
            default:
                break
            }
            let name = ASCIICase.lowered(UnsafeRawBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.nameEnd)]))
            fields.append(HTTP2Field(name: name, value: Array(bytes[Int(field.valueStart)..<Int(field.valueEnd)])))
        }
        return fields
    }
}
