import ApusHTTP2
import ApusNet

/// What the two kinds of HTTP/2 stream pipes share (`HTTP2StreamPipe` to a client,
/// `HTTP2UpstreamStreamPipe` to an upstream): no socket of their own, and a gathered write
/// taken as two writes.
class HTTP2StreamLayer: TransportLayer {
    override var hasSocket: Bool { false }

    override func writev2(_ a: UnsafeRawPointer, _ aCount: Int, _ b: UnsafeRawPointer, _ bCount: Int) -> IOResult {
        let first = write(a, aCount)
        guard case .bytes(let n) = first, n == aCount, bCount > 0 else { return first }
        switch write(b, bCount) {
        case .bytes(let m): return .bytes(n + m)
        // Nothing taken is "would block", never zero bytes: a caller would retry at once.
        case .wouldBlock: return n > 0 ? .bytes(n) : .wouldBlock
        case let other: return other
        }
    }
}

/// The HTTP/1.1 bytes a stream pipe has for the exchange to read: a head, then the DATA
/// payload as it came (or as chunks, when no length framed it), then the chunked end and
/// trailers. The payload handed over is reported once read, so that the stream's window
/// reopens only as the exchange takes it.
struct StreamReadBuffer {
    private var bytes: [UInt8]
    private var offset = 0
    /// DATA payload handed over and not yet reported read.
    private var unreportedPayload = 0

    var isDrained: Bool { offset == bytes.count }

    init(_ head: [UInt8] = []) {
        bytes = head
    }

    mutating func reserve(_ count: Int) {
        bytes.reserveCapacity(bytes.count - offset + count)
    }

    /// Bytes of a head (or any framing): not payload.
    mutating func append<Bytes: Sequence<UInt8>>(_ framing: Bytes) {
        compact()
        bytes += framing
    }

    mutating func append(byte: UInt8) {
        bytes.append(byte)
    }

    /// A chunk size in lowercase hex, without a String.
    private mutating func appendHex(_ value: Int) {
        var shift = 0
        while value >> (shift + 4) > 0 { shift += 4 }
        while shift >= 0 {
            let digit = UInt8((value >> shift) & 15)
            bytes.append(digit < 10 ? 48 + digit : 87 + digit)
            shift -= 4
        }
    }

    /// A DATA frame's payload, as a chunk when `chunked`.
    mutating func appendPayload(_ payload: [UInt8], chunked: Bool) {
        compact()
        if chunked {
            appendHex(payload.count)
            bytes += [0x0D, 0x0A]
            bytes += payload
            bytes += [0x0D, 0x0A]
        } else {
            bytes += payload
        }
        unreportedPayload += payload.count
    }

    /// The last chunk and the trailer part.
    mutating func appendLastChunk(trailers: [HTTP2Field]) {
        compact()
        bytes += [0x30, 0x0D, 0x0A]
        for field in trailers {
            bytes += field.name
            bytes += [0x3A, 0x20]
            bytes += field.value
            bytes += [0x0D, 0x0A]
        }
        bytes += [0x0D, 0x0A]
    }

    private mutating func compact() {
        guard offset > 0 else { return }
        bytes.removeFirst(offset)
        offset = 0
    }

    /// Copies up to `count` bytes into `buffer`. Returns how many, and the payload to report
    /// read: all handed over so far, once everything was read (0 before).
    mutating func read(into buffer: UnsafeMutableRawPointer, _ count: Int) -> (copied: Int, payloadRead: Int) {
        let n = min(bytes.count - offset, count)
        guard n > 0 else { return (0, 0) }
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
        offset += n
        guard offset == bytes.count else { return (n, 0) }
        bytes.removeAll(keepingCapacity: true)
        offset = 0
        defer { unreportedPayload = 0 }
        return (n, unreportedPayload)
    }
}
