extension HeadSerializer {
    /// How the proxy frames the body it sends downstream.
    public enum DownstreamFraming: Equatable, Sendable {
        /// No body. For a status that may carry a length (not 1xx or 204) the upstream's
        /// Content-Length is repeated (HEAD, 304), or `Content-Length: 0` is written so an
        /// HTTP/1.1 client does not wait for a close.
        case none
        case contentLength(Int64)
        /// Send `Transfer-Encoding: chunked` (either passing the upstream's chunks through
        /// or chunk-encoding an until-close body for an HTTP/1.1 client).
        case chunked
        /// HTTP/1.0 downstream: no length header, the connection closes after the body.
        case untilClose
    }

    /// Appends the downstream response head: status line (`HTTP/1.1`, upstream's status and
    /// reason), every header except hop-by-hop ones and the framing headers, then the
    /// framing header for `framing`, then `Connection: close` when `keepAlive` is false
    /// (or `Connection: keep-alive` for an HTTP/1.0 client that keeps the connection).
    /// For a 101 response, `Upgrade` and `Connection: upgrade` are kept.
    public static func writeDownstreamResponse(
        _ head: ResponseHead, bytes: UnsafeRawBufferPointer, framing: DownstreamFraming,
        keepAlive: Bool, downstreamVersion: HTTPVersion, into out: inout [UInt8]
    ) {
        guard let p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let switching = head.status == 101
        out.appendLiteral("HTTP/1.1 ")
        out.appendDecimal(Int64(head.status))
        out.append(HTTPBytes.sp)
        out.appendBytes(p, head.reasonStart, head.reasonEnd)
        out.appendLiteral("\r\n")
        for field in head.headers {
            switch field.known {
            case .connection, .keepAlive, .proxyConnection, .te, .trailer, .transferEncoding, .contentLength:
                continue
            case .upgrade:
                if !switching { continue }
            default:
                if field.listedInConnection { continue }
            }
            writeField(p, field, into: &out)
        }
        switch framing {
        case .none:
            let mayCarryLength = head.status >= 200 && head.status != 204
            if mayCarryLength && head.contentLength >= 0 {
                out.appendLiteral("Content-Length: ")
                out.appendDecimal(head.contentLength)
                out.appendLiteral("\r\n")
            } else if mayCarryLength && head.status != 304 {
                out.appendLiteral("Content-Length: 0\r\n")
            }
        case .contentLength(let length):
            out.appendLiteral("Content-Length: ")
            out.appendDecimal(length)
            out.appendLiteral("\r\n")
        case .chunked:
            out.appendLiteral("Transfer-Encoding: chunked\r\n")
        case .untilClose:
            break
        }
        if switching {
            out.appendLiteral("Connection: upgrade\r\n")
        } else if !keepAlive {
            out.appendLiteral("Connection: close\r\n")
        } else if downstreamVersion == .http10 {
            out.appendLiteral("Connection: keep-alive\r\n")
        }
        out.appendLiteral("\r\n")
    }
}
