import ApusHTTP

/// An HTTP/1.1 response head's fields as an HTTP/2 response carries them (RFC 9113
/// §8.2.2): `:status` first, names lowercased, connection-specific fields and the names
/// Connection lists left out, the body's framing left to the stream (no Transfer-Encoding;
/// Content-Length kept, as the length the DATA frames add up to). For a WebSocket's tunnel
/// Sec-WebSocket-Accept goes too (RFC 8441 has none).
public enum HTTP2ResponseFields {
    public static func block(of head: ResponseHead, in bytes: UnsafeRawBufferPointer, status: Int, isTunnel: Bool = false) -> HTTP2FieldBlock {
        var block = HTTP2FieldBlock(byteCapacity: head.headLength + 16, fieldCapacity: head.headers.count + 1)
        block.appendStatus(status)
        for field in head.headers where !field.listedInConnection {
            switch field.known {
            case .connection, .keepAlive, .proxyConnection, .transferEncoding, .upgrade, .te, .trailer:
                continue
            default:
                break
            }
            let name = UnsafeRawBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.nameEnd)])
            if isTunnel && ASCIICase.equal(name, "sec-websocket-accept".utf8) { continue }
            block.append(name: name, value: UnsafeRawBufferPointer(rebasing: bytes[Int(field.valueStart)..<Int(field.valueEnd)]), lowercasingName: true)
        }
        return block
    }
}
