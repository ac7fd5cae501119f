import ApusHTTP2
import ApusNet

/// An HTTP/2 session's frames gathered into writes on its connection's socket, and what a
/// write left over: shared by the connections to clients and to upstreams.
struct HTTP2SessionOutput {
    enum Outcome {
        /// Everything the session had went out (`wrote`: some bytes did in this flush).
        case drained(wrote: Bool)
        /// The socket took no more; the rest goes when it turns writable.
        case blocked(wrote: Bool)
        case sessionFailed(HTTP2Error)
        /// The socket failed or closed.
        case closed
    }

    private var unsent: [UInt8] = []
    private var offset = 0

    /// Nothing is waiting to be written.
    var isEmpty: Bool { offset == unsent.count }

    /// Writes what `next` yields as far as the transport takes it. With `keepBuffer` (streams
    /// are open) the buffer's storage is kept once everything went; an idle connection keeps
    /// none.
    mutating func flush(_ transport: inout Transport, keepBuffer: Bool,
                        next: () -> Result<UnsafeRawBufferPointer, HTTP2Error>?) -> Outcome {
        var wrote = false
        while true {
            // What went out is dropped before more is gathered: a reader slower than the
            // session fills the socket with partial writes, and the buffer must not keep
            // everything ever sent.
            if offset > 0 {
                unsent.removeFirst(offset)
                offset = 0
            }
            // Gather the session's frames into one write.
            while unsent.count < 65_536, let chunk = next() {
                switch chunk {
                case .failure(let error): return .sessionFailed(error)
                case .success(let bytes): unsent.append(contentsOf: bytes)
                }
            }
            guard offset < unsent.count else { return .drained(wrote: wrote) }
            guard transport.writable else { return .blocked(wrote: wrote) }
            let start = offset
            let result = unsent.withUnsafeBytes { transport.write($0.baseAddress! + start, $0.count - start) }
            switch result {
            case .bytes(let n):
                offset += n
                wrote = true
                if offset == unsent.count {
                    unsent.removeAll(keepingCapacity: keepBuffer && unsent.capacity <= 131_072)
                    offset = 0
                }
            case .wouldBlock:
                return .blocked(wrote: wrote)
            case .endOfStream, .failed:
                return .closed
            }
        }
    }
}
