import ApusNet

/// One response's gzip compression, framed as HTTP/1.1 chunks: the deflater, the chunk
/// on its way downstream, and for a static file the file bytes waiting to be compressed.
///
///     `chunk` (a buffer from the worker's BufferPool):
///     0             headerRoom                       headerRoom+n
///     |  (unused) "1f40\r\n" | n bytes of gzip output | "\r\n" | "0\r\n\r\n" (last) |
///                 ^ readIndex                                                ^ writeIndex
///
/// The caller compresses only once the previous chunk has gone out completely, so a
/// response holds one chunk at most whatever the downstream's pace (backpressure: the
/// upstream bytes or file bytes not yet compressed stay where they are, unread).
/// Thread rule: owned by one worker; lent to one exchange at a time by `GzipEncoderPool`.
final class GzipEncoder {
    /// Up to 6 hex digits and CRLF before the data.
    static let headerRoom = 8
    /// CRLF after the data, then the last chunk `0\r\n\r\n`.
    static let trailerRoom = 7

    let deflater: GzipDeflater
    var chunk = IOBuffer()
    /// Static files: bytes read from the file, compressed from `readIndex` on.
    var fileInput = IOBuffer()
    /// Input went in since the last complete sync flush, so zlib may hold bytes back.
    private(set) var unflushed = false
    /// The gzip trailer and the last chunk are in `chunk` (or already sent).
    private(set) var ended = false
    private(set) var bytesIn = 0
    private(set) var bytesOut = 0

    init(deflater: GzipDeflater) {
        self.deflater = deflater
    }

    /// Everything, the last chunk included, has been sent.
    var isFinished: Bool { ended && chunk.isEmpty }

    /// Readies the buffers for a new response.
    func begin(buffers: BufferPool) {
        buffers.acquire(into: &chunk)
    }

    /// Gives the buffers back and restarts the deflater, ready for another response.
    func end(buffers: BufferPool) {
        buffers.release(&chunk)
        buffers.release(&fileInput)
        deflater.reset()
        unflushed = false
        ended = false
        bytesIn = 0
        bytesOut = 0
    }

    /// Compresses from `input` into a new chunk; returns the bytes taken. The previous
    /// chunk must have been sent. The chunk may stay empty while zlib gathers input.
    func compress(_ input: UnsafeRawBufferPointer) -> Int {
        let step = run(input, .none)
        bytesIn += step.consumed
        if step.consumed > 0 { unflushed = true }
        return step.consumed
    }

    /// Pushes out what zlib holds (a sync flush), so a streaming response's bytes reach
    /// the downstream while the upstream is quiet. False when there was nothing to flush.
    func flush() -> Bool {
        guard unflushed, !ended else { return false }
        let step = run(UnsafeRawBufferPointer(start: nil, count: 0), .sync)
        unflushed = !step.flushed
        return true
    }

    /// Ends the gzip stream; call again while `ended` stays false (the chunk was too small
    /// for all that zlib had to write).
    func finish() {
        let step = run(UnsafeRawBufferPointer(start: nil, count: 0), .finish)
        ended = step.flushed
    }

    /// `count` bytes of the chunk were written downstream.
    func sent(_ count: Int) {
        chunk.consume(count)
    }

    private func run(_ input: UnsafeRawBufferPointer, _ flush: GzipDeflater.Flush) -> GzipDeflater.Step {
        let base = chunk.base!
        let data = base + Self.headerRoom
        // At most 1 MiB, so the size fits the header room (a pool buffer grows past 128 KiB
        // only with a huge configured head size).
        let room = min(chunk.capacity - Self.headerRoom - Self.trailerRoom, 1 << 20)
        let step = deflater.compress(input, into: UnsafeMutableRawBufferPointer(start: data, count: room), flush: flush)
        bytesOut += step.produced
        var start = Self.headerRoom
        var end = Self.headerRoom
        if step.produced > 0 {
            // `size CRLF data CRLF`, the size in hex written backwards from the data.
            (data - 2).storeBytes(of: 13, as: UInt8.self)
            (data - 1).storeBytes(of: 10, as: UInt8.self)
            start -= 2
            var size = step.produced
            repeat {
                start -= 1
                let digit = UInt8(size & 15)
                base.storeBytes(of: digit < 10 ? 48 + digit : 87 + digit, toByteOffset: start, as: UInt8.self)
                size >>= 4
            } while size > 0
            end += step.produced
            Self.put("\r\n", at: base + end)
            end += 2
        }
        if flush == .finish && step.flushed {
            Self.put("0\r\n\r\n", at: base + end)
            end += 5
        }
        if end > start {
            chunk.readIndex = start
            chunk.writeIndex = end
        }
        return step
    }

    private static func put(_ text: StaticString, at pointer: UnsafeMutableRawPointer) {
        pointer.copyMemory(from: text.utf8Start, byteCount: text.utf8CodeUnitCount)
    }
}

/// A worker's spare `GzipEncoder`s, so that zlib's 256 KiB of state is set up once and
/// reused rather than built for every compressed response. At most `maxSpares` are
/// kept; the rest are freed (their memory goes back to the system, see `GzipDeflater`).
/// Thread rule: owned by one worker.
struct GzipEncoderPool {
    static let maxSpares = 4
    private var spares: [GzipEncoder] = []

    /// An encoder at `level` with its output buffer, or nil when zlib has no memory
    /// (the response then goes uncompressed).
    mutating func take(level: Int, buffers: BufferPool) -> GzipEncoder? {
        let encoder: GzipEncoder
        if let index = spares.lastIndex(where: { $0.deflater.level == level }) {
            encoder = spares.remove(at: index)
        } else if let deflater = GzipDeflater(level: level) {
            encoder = GzipEncoder(deflater: deflater)
        } else {
            return nil
        }
        encoder.begin(buffers: buffers)
        return encoder
    }

    mutating func give(_ encoder: GzipEncoder, buffers: BufferPool) {
        encoder.end(buffers: buffers)
        if spares.count < Self.maxSpares { spares.append(encoder) }
    }
}
