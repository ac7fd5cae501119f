import ApusHTTP

/// An HTTP/1.1 request head, as Apus writes it for an upstream, as the fields of an
/// HTTP/2 request (RFC 9113 §8.3.1): the pseudo-header fields first, `:authority` from the
/// absolute-form target or Host, then the other fields lowercased, without Host and the
/// connection-specific ones (TE only as `trailers`, which gRPC needs).
public enum HTTP2RequestFields {
    public static func block(of head: RequestHead, in bytes: UnsafeRawBufferPointer, scheme: StaticString) -> HTTP2FieldBlock {
        func slice(_ start: Int32, _ end: Int32) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[Int(start)..<Int(end)]) }
        // Room for the head's bytes, the pseudo-header names and the `te` a caller may add.
        var block = HTTP2FieldBlock(byteCapacity: head.headLength + 64, fieldCapacity: head.headers.count + 5)
        block.append(":method", slice(head.methodStart, head.methodEnd))
        block.append(":scheme", UnsafeRawBufferPointer(start: scheme.utf8Start, count: scheme.utf8CodeUnitCount))
        var authority = slice(head.authorityStart, head.authorityEnd)
        if authority.isEmpty && head.hostIndex >= 0 {
            authority = slice(head.headers[head.hostIndex].valueStart, head.headers[head.hostIndex].valueEnd)
        }
        block.append(":authority", authority)
        let path = slice(head.pathStart, head.pathEnd)
        // An absolute-form target without a path (`http://h` or `http://h?q`) means `/`.
        if path.first != UInt8(ascii: "/") && !path.elementsEqual("*".utf8) {
            var rooted: [UInt8] = [UInt8(ascii: "/")]
            rooted += path
            rooted.withUnsafeBytes { block.append(":path", $0) }
        } else {
            block.append(":path", path)
        }
        for field in head.headers where !field.listedInConnection {
            switch field.known {
            case .host, .connection, .keepAlive, .proxyConnection, .transferEncoding, .upgrade, .trailer:
                continue
            case .te:
                // Only `trailers` may be sent, and it is sent as written here, lowercase.
                guard ASCIICase.equal(slice(field.valueStart, field.valueEnd), "trailers".utf8) else { continue }
                block.append("te", "trailers")
                continue
            default:
                break
            }
            block.append(name: slice(field.nameStart, field.nameEnd), value: slice(field.valueStart, field.valueEnd), lowercasingName: true)
        }
        return block
    }

    /// The same fields as separate values.
    public static func fields(of head: RequestHead, in bytes: UnsafeRawBufferPointer, scheme: StaticString) -> [HTTP2Field] {
        block(of: head, in: bytes, scheme: scheme).fields
    }
}
