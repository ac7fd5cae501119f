/// What the proxy adds to a request it forwards upstream.
/// `@unchecked Sendable`: `realClientAddress` is a view set only for the length of one serializer
/// call on one thread; everything else is a value.
public struct ForwardingContext: @unchecked Sendable {
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
    /// The client trusted proxies named (X-Real-IP), when it is not the peer; valid for
    /// the serializer call (a view, so that the common case copies and retains nothing).
    public var realClientAddress: UnsafeRawBufferPointer?

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
    /// kept as received: `Transfer-Encoding: chunked`, or one `Content-Length` with the
    /// value the request carried (a list of identical values, `5, 5`, or the field sent
    /// twice, which the parser accepted as one length, goes out as that one number).
    ///
    /// An absolute-form target is sent in origin-form (`/` when its path is empty).
    /// Without `forwardUpgrade` no Connection header is written (keep-alive is HTTP/1.1's
    /// default upstream).
    ///
    /// `edits` (a route's request header rules) leave out received fields by name, and
    /// their lines follow the forwarding fields. A rule naming a field the proxy generates
    /// (Host, X-Forwarded-*, X-Real-IP, X-Request-ID) replaces or removes the generated
    /// one too; X-Forwarded-Host still carries the host the client asked for. Framing
    /// (Content-Length, Transfer-Encoding) is never left out.
    public static func writeUpstreamRequest(
        _ head: RequestHead, bytes: UnsafeRawBufferPointer, targetOverride: UnsafeRawBufferPointer?,
        context: ForwardingContext, edits: HeaderEdits, into out: inout HeadBuffer
    ) {
        writeUpstreamRequest(head, bytes: bytes, targetOverride: targetOverride, context: context, filter: edits,
                             extra: edits.addedLines.count, into: &out)
    }

    /// Without header rules (the common case; specialised, so it pays nothing for them).
    public static func writeUpstreamRequest(
        _ head: RequestHead, bytes: UnsafeRawBufferPointer, targetOverride: UnsafeRawBufferPointer?,
        context: ForwardingContext, into out: inout HeadBuffer
    ) {
        writeUpstreamRequest(head, bytes: bytes, targetOverride: targetOverride, context: context, filter: NoHeaderEdits(),
                             extra: 0, into: &out)
    }

    @inlinable
    static func writeUpstreamRequest<Filter: HeaderFieldFilter>(
        _ head: RequestHead, bytes: UnsafeRawBufferPointer, targetOverride: UnsafeRawBufferPointer?,
        context: ForwardingContext, filter: Filter, extra: Int, into out: inout HeadBuffer
    ) {
        guard let p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let bound = upstreamRequestBound(head, targetOverride: targetOverride, context: context) &+ extra
        // Pointers, not copies: copying the head and the context into the writer would
        // retain and release their arrays on every request.
        head.headers.withUnsafeBufferPointer { fields in
            withUnsafePointer(to: head) { head in
                withUnsafePointer(to: context) { context in
                    out.appendWriting(bound: bound, UpstreamRequest(
                        head: head, fields: fields, p: p, targetOverride: targetOverride, context: context, edits: filter))
                }
            }
        }
    }

    /// The arguments of one `writeUpstreamRequest`, written in one pass.
    @usableFromInline
    struct UpstreamRequest<Filter: HeaderFieldFilter>: ByteContent {
        @usableFromInline let head: UnsafePointer<RequestHead>
        @usableFromInline let fields: UnsafeBufferPointer<HeaderField>
        @usableFromInline let p: UnsafePointer<UInt8>
        @usableFromInline let targetOverride: UnsafeRawBufferPointer?
        @usableFromInline let context: UnsafePointer<ForwardingContext>
        @usableFromInline let edits: Filter

        @inlinable
        init(head: UnsafePointer<RequestHead>, fields: UnsafeBufferPointer<HeaderField>, p: UnsafePointer<UInt8>,
             targetOverride: UnsafeRawBufferPointer?, context: UnsafePointer<ForwardingContext>, edits: Filter) {
            self.head = head
            self.fields = fields
            self.p = p
            self.targetOverride = targetOverride
            self.context = context
            self.edits = edits
        }

        @inlinable
        func write(into writer: inout ByteWriter) {
            writeUpstreamRequest(head, fields, p, targetOverride: targetOverride, context: context, edits: edits, into: &writer)
        }
    }

    /// The most bytes `writeUpstreamRequest` can write for `head`: every byte range it
    /// copies, the forwarding values, and room for the fixed literals.
    @inlinable @inline(__always)
    static func upstreamRequestBound(
        _ head: RequestHead, targetOverride: UnsafeRawBufferPointer?, context: ForwardingContext
    ) -> Int {
        // Request line and Host/X-Forwarded-Host (each at most once from the head's ranges,
        // the host value twice), literals (request line, Host, Transfer-Encoding, the
        // forwarding names, X-Request-ID, Connection, blank line) < 256.
        var bound = 256 &+ Int(head.methodEnd) &+ Int(head.targetEnd &- head.targetStart)
            &+ 2 &* Int(head.authorityEnd &- head.authorityStart)
            &+ 2 &* context.clientAddress.count &+ context.scheme.count &+ context.port.count
            &+ (context.realClientAddress?.count ?? 0)
            &+ (targetOverride?.count ?? 0)
        for field in head.headers {
            // `Name: value\r\n`, plus the value again for Host (X-Forwarded-Host) or
            // X-Forwarded-For (`value, `).
            let value = Int(field.valueEnd &- field.valueStart)
            bound &+= Int(field.nameEnd &- field.nameStart) &+ 2 &* value &+ 6
        }
        return bound
    }

    @inlinable
    static func writeUpstreamRequest<Filter: HeaderFieldFilter>(
        _ head: UnsafePointer<RequestHead>, _ fields: UnsafeBufferPointer<HeaderField>, _ p: UnsafePointer<UInt8>,
        targetOverride: UnsafeRawBufferPointer?, context: UnsafePointer<ForwardingContext>, edits: Filter,
        into out: inout ByteWriter
    ) {
        out.bytes(p, head.pointee.methodStart, head.pointee.methodEnd)
        out.byte(HTTPBytes.sp)
        let absoluteForm = head.pointee.authorityEnd > head.pointee.authorityStart
        if let targetOverride {
            out.bytes( targetOverride)
        } else if absoluteForm {
            if head.pointee.pathStart == head.pointee.pathEnd || p[Int(head.pointee.pathStart)] != 47 {
                out.byte(47)
            }
            out.bytes(p, head.pointee.pathStart, head.pointee.pathEnd)
        } else {
            out.bytes(p, head.pointee.targetStart, head.pointee.targetEnd)
        }
        out.literal(" HTTP/1.1\r\n")

        // Generated fields a rule replaces or removes (all false without rules).
        let replacesHost = edits.removes(.host)
        let replacesRequestID = edits.removes(.xRequestID)
        var hasRequestID = false
        var wroteLength = false
        var hostStart: Int32 = 0
        var hostEnd: Int32 = 0
        if absoluteForm {
            hostStart = head.pointee.authorityStart
            hostEnd = head.pointee.authorityEnd
            if !replacesHost {
                out.literal("Host: ")
                out.bytes(p, hostStart, hostEnd)
                out.literal("\r\n")
            }
        } else if head.pointee.hostIndex >= 0 {
            hostStart = fields[head.pointee.hostIndex].valueStart
            hostEnd = fields[head.pointee.hostIndex].valueEnd
        } else if !replacesHost {
            // An HTTP/1.0 request without Host: HTTP/1.1 requires the field, empty when
            // the target has no authority (RFC 9112 §3.2).
            out.literal("Host: \r\n")
        }
        for field in fields {
            if edits.removes(p, field) && field.known != .contentLength { continue }
            switch field.known {
            case .connection, .keepAlive, .proxyConnection, .te, .trailer, .transferEncoding:
                continue
            case .xForwardedFor, .xForwardedProto, .xForwardedHost, .xForwardedPort, .xRealIP:
                continue
            case .upgrade:
                if !context.pointee.forwardUpgrade { continue }
            case .host:
                if absoluteForm { continue }
            case .contentLength:
                // Once, as the number the parser read; never dropped, even when Connection
                // or a header rule names it.
                if wroteLength { continue }
                wroteLength = true
                out.literal("Content-Length: ")
                out.decimal(head.pointee.contentLength)
                out.literal("\r\n")
                continue
            case .xRequestID:
                if hasRequestID { continue }
                hasRequestID = true
            default:
                if field.listedInConnection { continue }
            }
            writeField(p, field, into: &out)
        }
        if head.pointee.isChunked { out.literal("Transfer-Encoding: chunked\r\n") }

        if edits.replacesForwardingFields() {
            writeForwardingFields(fields, p, hostStart: hostStart, hostEnd: hostEnd, context: context, edits: edits, into: &out)
        } else {
            out.literal("X-Forwarded-For: ")
            for field in fields where field.known == .xForwardedFor && field.valueEnd > field.valueStart {
                out.bytes(p, field.valueStart, field.valueEnd)
                out.literal(", ")
            }
            out.bytes(context.pointee.clientAddress)
            out.literal("\r\nX-Forwarded-Proto: ")
            out.bytes(context.pointee.scheme)
            if hostEnd > hostStart {
                out.literal("\r\nX-Forwarded-Host: ")
                out.bytes(p, hostStart, hostEnd)
            }
            out.literal("\r\nX-Forwarded-Port: ")
            out.bytes(context.pointee.port)
            out.literal("\r\nX-Real-IP: ")
            if let real = context.pointee.realClientAddress { out.bytes(real) } else { out.bytes(context.pointee.clientAddress) }
            out.literal("\r\n")
        }
        if !hasRequestID && !replacesRequestID {
            out.literal("X-Request-ID: ")
            out.hex16(context.pointee.generatedRequestID.0)
            out.hex16(context.pointee.generatedRequestID.1)
            out.literal("\r\n")
        }
        edits.writeAddedLines(into: &out)
        if context.pointee.forwardUpgrade { out.literal("Connection: upgrade\r\n") }
        out.literal("\r\n")
    }

    /// The forwarding fields when rules may replace some of them (the path without rules
    /// above stays free of the per-field tests).
    @inlinable
    static func writeForwardingFields<Filter: HeaderFieldFilter>(
        _ fields: UnsafeBufferPointer<HeaderField>, _ p: UnsafePointer<UInt8>, hostStart: Int32, hostEnd: Int32,
        context: UnsafePointer<ForwardingContext>, edits: Filter, into out: inout ByteWriter
    ) {
        if !edits.removes(.xForwardedFor) {
            out.literal("X-Forwarded-For: ")
            for field in fields where field.known == .xForwardedFor && field.valueEnd > field.valueStart {
                out.bytes(p, field.valueStart, field.valueEnd)
                out.literal(", ")
            }
            out.bytes(context.pointee.clientAddress)
            out.literal("\r\n")
        }
        if !edits.removes(.xForwardedProto) {
            out.literal("X-Forwarded-Proto: ")
            out.bytes(context.pointee.scheme)
            out.literal("\r\n")
        }
        if hostEnd > hostStart && !edits.removes(.xForwardedHost) {
            out.literal("X-Forwarded-Host: ")
            out.bytes(p, hostStart, hostEnd)
            out.literal("\r\n")
        }
        if !edits.removes(.xForwardedPort) {
            out.literal("X-Forwarded-Port: ")
            out.bytes(context.pointee.port)
            out.literal("\r\n")
        }
        if !edits.removes(.xRealIP) {
            out.literal("X-Real-IP: ")
            if let real = context.pointee.realClientAddress { out.bytes(real) } else { out.bytes(context.pointee.clientAddress) }
            out.literal("\r\n")
        }
    }

    /// `Name: value\r\n` with the name as received.
    @inlinable
    static func writeField(_ p: UnsafePointer<UInt8>, _ field: HeaderField, into out: inout ByteWriter) {
        out.bytes(p, field.nameStart, field.nameEnd)
        out.literal(": ")
        out.bytes(p, field.valueStart, field.valueEnd)
        out.literal("\r\n")
    }
}
