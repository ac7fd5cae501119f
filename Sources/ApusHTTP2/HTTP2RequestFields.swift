import ApusHTTP

/// An HTTP/1.1 request head, as Apus writes it for an upstream, as the fields of an
/// HTTP/2 request (RFC 9113 §8.3.1): the pseudo-header fields first, `:authority` from the
/// absolute-form target or Host, then the other fields lowercased, without Host and the
/// connection-specific ones (TE only as `trailers`, which gRPC needs).
public enum HTTP2RequestFields {
    public static func fields(of head: RequestHead, in bytes: UnsafeRawBufferPointer, scheme: String) -> [HTTP2Field] {
        func slice(_ start: Int32, _ end: Int32) -> [UInt8] { Array(bytes[Int(start)..<Int(end)]) }
        var authority = slice(head.authorityStart, head.authorityEnd)
        if authority.isEmpty && head.hostIndex >= 0 {
            authority = slice(head.headers[head.hostIndex].valueStart, head.headers[head.hostIndex].valueEnd)
        }
        var path = slice(head.pathStart, head.pathEnd)
        // An absolute-form target without a path (`http://h` or `http://h?q`) means `/`.
        if path.first != UInt8(ascii: "/") && path != [UInt8(ascii: "*")] { path.insert(UInt8(ascii: "/"), at: 0) }
        var fields: [HTTP2Field] = []
        // Room for the pseudo-header fields, the head's and the `te` a caller may add.
        fields.reserveCapacity(head.headers.count + 5)
        fields += [
            HTTP2Field(name: Array(":method".utf8), value: slice(head.methodStart, head.methodEnd)),
            HTTP2Field(name: Array(":scheme".utf8), value: Array(scheme.utf8)),
            HTTP2Field(name: Array(":authority".utf8), value: authority),
            HTTP2Field(name: Array(":path".utf8), value: path),
        ]
        for field in head.headers where !field.listedInConnection {
            let value = slice(field.valueStart, field.valueEnd)
            switch field.known {
            case .host, .connection, .keepAlive, .proxyConnection, .transferEncoding, .upgrade, .trailer:
                continue
            case .te:
                // Only `trailers` may be sent, and it is sent as written here, lowercase.
                guard ASCIICase.equal(value, "trailers".utf8) else { continue }
                fields.append(HTTP2Field(name: Array("te".utf8), value: Array("trailers".utf8)))
                continue
            default:
                break
            }
            let name = ASCIICase.lowered(UnsafeRawBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.nameEnd)]))
            fields.append(HTTP2Field(name: name, value: value))
        }
        return fields
    }
}
