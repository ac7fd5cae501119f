import ApusHTTP

/// A chunked body read for an HTTP/2 stream: its payload passed on as it is decoded, and
/// at its end its trailer fields (none when it had none).
struct DechunkedBody {
    enum Step {
        /// Everything given was taken; the body goes on.
        case more
        /// The body ended after `consumed` of the bytes given.
        case ended(consumed: Int)
        /// The chunked framing is broken.
        case failed
    }

    private var decoder = ChunkedDecoder()
    private var trailers = ChunkedTrailers()

    mutating func take(_ bytes: UnsafeRawBufferPointer, data: (UnsafeRawBufferPointer) -> Void, end: ([HTTP2Field]) -> Void) -> Step {
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch decoder.decode(rest) {
            case .needMore(let consumed):
                trailers.framed(UnsafeRawBufferPointer(rebasing: rest[..<consumed]))
                offset += consumed
                if consumed == 0 { return .more }
            case .data(let start, let count, let consumed):
                trailers.dataCame()
                data(UnsafeRawBufferPointer(rebasing: rest[start..<(start + count)]))
                offset += consumed
            case .end(let consumed):
                trailers.framed(UnsafeRawBufferPointer(rebasing: rest[..<consumed]))
                end(trailers.fields())
                return .ended(consumed: offset + consumed)
            case .failed:
                return .failed
            }
        }
        return .more
    }
}

/// The trailer fields of a chunked body, for an HTTP/2 stream to send as its trailing
/// HEADERS: `ChunkedDecoder` checks and consumes the trailer part, and this keeps the
/// framing bytes it consumed since the last data, which at the end are the last-chunk line
/// and the trailer part. Bounded by the decoder's own limits (a size line of 4 KiB, a
/// trailer part of 16 KiB), as the bytes are dropped whenever data comes.
struct ChunkedTrailers {
    private var framing: [UInt8] = []

    /// Records the framing a decoder step consumed; `data` drops it (a chunk came, so what
    /// came before was no trailer).
    mutating func framed(_ bytes: UnsafeRawBufferPointer) {
        framing.append(contentsOf: bytes)
    }

    mutating func dataCame() {
        framing.removeAll(keepingCapacity: true)
    }

    /// The trailer fields once the decoder reported the end: names lowercased,
    /// connection-specific fields and pseudo-header look-alikes left out (RFC 9113 §8.1).
    mutating func fields() -> [HTTP2Field] {
        defer { framing = [] }
        // Framing: [CRLF after the last data] "0[;ext]" CRLF (field CRLF)* CRLF.
        guard let sizeLineEnd = framing.firstIndex(where: { $0 != 0x0D && $0 != 0x0A }).flatMap({ start in
            framing[start...].firstIndex(of: 0x0A)
        }) else { return [] }
        var fields: [HTTP2Field] = []
        var lineStart = sizeLineEnd + 1
        while let lineEnd = framing[lineStart...].firstIndex(of: 0x0A) {
            // The decoder allowed only CRLF line ends.
            let line = framing[lineStart..<(lineEnd - 1)]
            lineStart = lineEnd + 1
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = line[..<colon].map(ASCIICase.lower)
            var value = line[(colon + 1)...]
            while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
            while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
            guard !Self.forbidden.contains(name) else { continue }
            fields.append(HTTP2Field(name: name, value: Array(value)))
        }
        return fields
    }

    /// Fields a trailer section must not carry into HTTP/2: the connection-specific ones,
    /// framing and routing (RFC 9110 §6.5.1).
    private static let forbidden: [[UInt8]] = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "content-length", "host",
    ].map { Array($0.utf8) }
}
