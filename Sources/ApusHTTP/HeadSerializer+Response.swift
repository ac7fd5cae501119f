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
    /// `edits` (a route's response header rules) leave out received fields by name; their
    /// lines follow the kept fields.
    public static func writeDownstreamResponse(
        _ head: ResponseHead, bytes: UnsafeRawBufferPointer, framing: DownstreamFraming,
        keepAlive: Bool, downstreamVersion: HTTPVersion, edits: HeaderEdits, into out: inout HeadBuffer
    ) {
        writeDownstreamResponse(head, bytes: bytes, framing: framing, keepAlive: keepAlive, downstreamVersion: downstreamVersion,
                                filter: edits, extra: edits.addedLines.count, into: &out)
    }

    /// Without header rules (the common case; specialised, so it pays nothing for them).
    public static func writeDownstreamResponse(
        _ head: ResponseHead, bytes: UnsafeRawBufferPointer, framing: DownstreamFraming,
        keepAlive: Bool, downstreamVersion: HTTPVersion, into out: inout HeadBuffer
    ) {
        writeDownstreamResponse(head, bytes: bytes, framing: framing, keepAlive: keepAlive, downstreamVersion: downstreamVersion,
                                filter: NoHeaderEdits(), extra: 0, into: &out)
    }

    @inlinable
    static func writeDownstreamResponse<Filter: HeaderFieldFilter>(
        _ head: ResponseHead, bytes: UnsafeRawBufferPointer, framing: DownstreamFraming,
        keepAlive: Bool, downstreamVersion: HTTPVersion, filter: Filter, extra: Int, into out: inout HeadBuffer
    ) {
        guard let p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        // Status (an Int, at most 20 digits), reason, the framing and Connection lines and
        // the literals stay under 128 bytes besides the copied ranges.
        var bound = 128 &+ Int(head.reasonEnd &- head.reasonStart) &+ extra
        for field in head.headers {
            bound &+= Int(field.nameEnd &- field.nameStart) &+ Int(field.valueEnd &- field.valueStart) &+ 4
        }
        // A pointer, not a copy (see `writeUpstreamRequest`).
        head.headers.withUnsafeBufferPointer { fields in
            withUnsafePointer(to: head) { head in
                out.appendWriting(bound: bound, DownstreamResponse(
                    head: head, fields: fields, p: p, framing: framing, keepAlive: keepAlive,
                    downstreamVersion: downstreamVersion, edits: filter))
            }
        }
    }

    /// The arguments of one `writeDownstreamResponse`, written in one pass.
    @usableFromInline
    struct DownstreamResponse<Filter: HeaderFieldFilter>: ByteContent {
        @usableFromInline let head: UnsafePointer<ResponseHead>
        @usableFromInline let fields: UnsafeBufferPointer<HeaderField>
        @usableFromInline let p: UnsafePointer<UInt8>
        @usableFromInline let framing: DownstreamFraming
        @usableFromInline let keepAlive: Bool
        @usableFromInline let downstreamVersion: HTTPVersion
        @usableFromInline let edits: Filter

        @inlinable
        init(head: UnsafePointer<ResponseHead>, fields: UnsafeBufferPointer<HeaderField>, p: UnsafePointer<UInt8>,
             framing: DownstreamFraming, keepAlive: Bool, downstreamVersion: HTTPVersion, edits: Filter) {
            self.head = head
            self.fields = fields
            self.p = p
            self.framing = framing
            self.keepAlive = keepAlive
            self.downstreamVersion = downstreamVersion
            self.edits = edits
        }

        @inlinable
        func write(into writer: inout ByteWriter) {
            writeDownstreamResponse(head, fields, p, framing: framing, keepAlive: keepAlive,
                                    downstreamVersion: downstreamVersion, edits: edits, into: &writer)
        }
    }

    @inlinable
    static func writeDownstreamResponse<Filter: HeaderFieldFilter>(
        _ head: UnsafePointer<ResponseHead>, _ fields: UnsafeBufferPointer<HeaderField>, _ p: UnsafePointer<UInt8>, framing: DownstreamFraming,
        keepAlive: Bool, downstreamVersion: HTTPVersion, edits: Filter, into out: inout ByteWriter
    ) {
        let switching = head.pointee.status == 101
        out.literal("HTTP/1.1 ")
        out.decimal(Int64(head.pointee.status))
        out.byte(HTTPBytes.sp)
        out.bytes(p, head.pointee.reasonStart, head.pointee.reasonEnd)
        out.literal("\r\n")
        for field in fields {
            switch field.known {
            case .connection, .keepAlive, .proxyConnection, .te, .trailer, .transferEncoding, .contentLength:
                continue
            case .upgrade:
                if !switching { continue }
            default:
                if field.listedInConnection { continue }
            }
            if edits.removes(p, field) { continue }
            writeField(p, field, into: &out)
        }
        edits.writeAddedLines(into: &out)
        switch framing {
        case .none:
            let mayCarryLength = head.pointee.status >= 200 && head.pointee.status != 204
            if mayCarryLength && head.pointee.contentLength >= 0 {
                out.literal("Content-Length: ")
                out.decimal(head.pointee.contentLength)
                out.literal("\r\n")
            } else if mayCarryLength && head.pointee.status != 304 {
                out.literal("Content-Length: 0\r\n")
            }
        case .contentLength(let length):
            out.literal("Content-Length: ")
            out.decimal(length)
            out.literal("\r\n")
        case .chunked:
            out.literal("Transfer-Encoding: chunked\r\n")
        case .untilClose:
            break
        }
        if switching {
            out.literal("Connection: upgrade\r\n")
        } else if !keepAlive {
            out.literal("Connection: close\r\n")
        } else if downstreamVersion == .http10 {
            out.literal("Connection: keep-alive\r\n")
        }
        out.literal("\r\n")
    }
}
