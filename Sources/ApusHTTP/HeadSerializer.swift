/// What the proxy adds to a request it forwards upstream.
public struct ForwardingContext: Sendable {
    /// The downstream peer's address, as text (`203.0.113.7`, `2001:db8::1`).
    public var clientAddress: [UInt8]
    /// `http` or `https`: the scheme the downstream used.
    public var scheme: [UInt8]
    /// The listener's port, as text.
    public var port: [UInt8]
    /// Used as X-Request-ID when the request has none (32 lowercase hex digits).
    public var generatedRequestID: (UInt64, UInt64)
    /// Keep `Upgrade` and send `Connection: upgrade` (a tunnel is being requested).
    public var forwardUpgrade: Bool

    public init(clientAddress: [UInt8], scheme: [UInt8], port: [UInt8], generatedRequestID: (UInt64, UInt64), forwardUpgrade: Bool) {
        self.clientAddress = clientAddress
        self.scheme = scheme
        self.port = port
        self.generatedRequestID = generatedRequestID
        self.forwardUpgrade = forwardUpgrade
    }
}

/// Writes heads: the request sent upstream and the response sent downstream.
public enum HeadSerializer {
    /// Appends the upstream request head to `out`: request line with the original target
    /// (or `targetOverride`) and HTTP/1.1; every header except hop-by-hop ones (DESIGN.md)
    /// and the forwarding headers, which are then set from `context` (X-Forwarded-For
    /// appends); `Host` is kept (or taken from an absolute-form target); body framing is
    /// kept as received (Content-Length or `Transfer-Encoding: chunked`).
    ///
    /// An absolute-form target is sent in origin-form (`/` when its path is empty).
    /// Without `forwardUpgrade` no Connection header is written (keep-alive is HTTP/1.1's
    /// default upstream).
    public static func writeUpstreamRequest(
        _ head: RequestHead, bytes: UnsafeRawBufferPointer, targetOverride: UnsafeRawBufferPointer?,
        context: ForwardingContext, into out: inout [UInt8]
    ) {
        guard let p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        out.appendBytes(p, 0, head.methodEnd)
        out.append(HTTPBytes.sp)
        let absoluteForm = head.authorityEnd > head.authorityStart
        if let targetOverride {
            out.append(contentsOf: targetOverride)
        } else if absoluteForm {
            if head.pathStart == head.pathEnd || p[Int(head.pathStart)] != 47 {
                out.append(47)
            }
            out.appendBytes(p, head.pathStart, head.pathEnd)
        } else {
            out.appendBytes(p, head.targetStart, head.targetEnd)
        }
        out.appendLiteral(" HTTP/1.1\r\n")

        var hasRequestID = false
        var hostStart: Int32 = 0
        var hostEnd: Int32 = 0
        if absoluteForm {
            hostStart = head.authorityStart
            hostEnd = head.authorityEnd
            out.appendLiteral("Host: ")
            out.appendBytes(p, hostStart, hostEnd)
            out.appendLiteral("\r\n")
        } else if head.hostIndex >= 0 {
            hostStart = head.headers[head.hostIndex].valueStart
            hostEnd = head.headers[head.hostIndex].valueEnd
        } else {
            // An HTTP/1.0 request without Host: HTTP/1.1 requires the field, empty when
            // the target has no authority (RFC 9112 §3.2).
            out.appendLiteral("Host: \r\n")
        }
        for field in head.headers {
            switch field.known {
            case .connection, .keepAlive, .proxyConnection, .te, .trailer, .transferEncoding:
                continue
            case .xForwardedFor, .xForwardedProto, .xForwardedHost, .xForwardedPort, .xRealIP:
                continue
            case .upgrade:
                if !context.forwardUpgrade { continue }
            case .host:
                if absoluteForm { continue }
            case .contentLength:
                // Framing is never dropped, even when Connection names it.
                break
            case .xRequestID:
                if hasRequestID { continue }
                hasRequestID = true
            default:
                if field.listedInConnection { continue }
            }
            writeField(p, field, into: &out)
        }
        if head.isChunked { out.appendLiteral("Transfer-Encoding: chunked\r\n") }

        out.appendLiteral("X-Forwarded-For: ")
        for field in head.headers where field.known == .xForwardedFor && field.valueEnd > field.valueStart {
            out.appendBytes(p, field.valueStart, field.valueEnd)
            out.appendLiteral(", ")
        }
        out.append(contentsOf: context.clientAddress)
        out.appendLiteral("\r\nX-Forwarded-Proto: ")
        out.append(contentsOf: context.scheme)
        if hostEnd > hostStart {
            out.appendLiteral("\r\nX-Forwarded-Host: ")
            out.appendBytes(p, hostStart, hostEnd)
        }
        out.appendLiteral("\r\nX-Forwarded-Port: ")
        out.append(contentsOf: context.port)
        out.appendLiteral("\r\nX-Real-IP: ")
        out.append(contentsOf: context.clientAddress)
        out.appendLiteral("\r\n")
        if !hasRequestID {
            out.appendLiteral("X-Request-ID: ")
            out.appendHex16(context.generatedRequestID.0)
            out.appendHex16(context.generatedRequestID.1)
            out.appendLiteral("\r\n")
        }
        if context.forwardUpgrade { out.appendLiteral("Connection: upgrade\r\n") }
        out.appendLiteral("\r\n")
    }

    /// `Name: value\r\n` with the name as received.
    @inlinable
    static func writeField(_ p: UnsafePointer<UInt8>, _ field: HeaderField, into out: inout [UInt8]) {
        out.appendBytes(p, field.nameStart, field.nameEnd)
        out.appendLiteral(": ")
        out.appendBytes(p, field.valueStart, field.valueEnd)
        out.appendLiteral("\r\n")
    }
}
