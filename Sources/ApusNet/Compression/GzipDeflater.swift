import CShims
import CZlib
import Glibc

/// One zlib deflate stream writing the gzip format (RFC 1952), fed piece by piece and
/// reusable for another response after `reset()`.
///
///     compress(input, .none)*  ─► compress(_, .sync)? ─► … ─► compress(_, .finish)* ─► finished
///
/// The `z_stream` lives at a fixed heap address, as zlib requires (its state points back
/// at it). zlib's working memory (window, hash chains, pending output: about 256 KiB at
/// window bits 15 and memLevel 8) comes from `mmap`, so a compressor that is freed gives
/// its memory back to the system at once instead of leaving 64 KiB holes in a worker's
/// heap after a burst of compressed responses.
/// Thread rule: owned by one worker.
public final class GzipDeflater {
    /// How far `compress` pushes output out of zlib.
    public enum Flush {
        /// Let zlib keep bytes for better compression.
        case none
        /// Emit everything so far, byte-aligned (a reader can decompress all of it now).
        case sync
        /// End the stream (the gzip trailer is written).
        case finish
    }

    /// The outcome of one `compress` call.
    public struct Step: Equatable {
        /// Input bytes taken.
        public var consumed: Int
        /// Output bytes written.
        public var produced: Int
        /// The requested flush is complete (for `.finish`: the stream ended). False when the
        /// output space ran out first: call again with more room and the same flush.
        public var flushed: Bool
    }

    public let level: Int
    private let stream: UnsafeMutablePointer<z_stream>

    /// A stream at compression `level` (1 fastest … 9 smallest); nil when zlib has no memory.
    public init?(level: Int, memoryLevel: Int = 8) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        stream.pointee.zalloc = GzipDeflater.mapPages
        stream.pointee.zfree = GzipDeflater.unmapPages
        // Window bits 15 + 16: a 32 KiB window and the gzip wrapper instead of zlib's.
        guard czlib_deflateInit2(stream, Int32(level), Z_DEFLATED, 15 + 16, Int32(memoryLevel), Z_DEFAULT_STRATEGY) == Z_OK else {
            stream.deallocate()
            return nil
        }
        self.level = level
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Starts a new gzip stream, keeping zlib's memory.
    public func reset() {
        deflateReset(stream)
    }

    /// Compresses from `input` into `output`. With `.none`, zlib takes all the input when
    /// the output has room, but may keep what it compressed for later.
    public func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, flush: Flush) -> Step {
        let z = stream
        z.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        z.pointee.avail_in = uInt(input.count)
        z.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        z.pointee.avail_out = uInt(output.count)
        let mode: Int32
        switch flush {
        case .none: mode = Z_NO_FLUSH
        case .sync: mode = Z_SYNC_FLUSH
        case .finish: mode = Z_FINISH
        }
        let result = deflate(z, mode)
        let consumed = input.count - Int(z.pointee.avail_in)
        let produced = output.count - Int(z.pointee.avail_out)
        z.pointee.next_in = nil
        z.pointee.next_out = nil
        let flushed: Bool
        switch flush {
        case .none: flushed = true
        // zlib's rule: a flush that filled the output may have more to write.
        case .sync: flushed = z.pointee.avail_out != 0
        case .finish: flushed = result == Z_STREAM_END
        }
        return Step(consumed: consumed, produced: produced, flushed: flushed)
    }

    // zlib's allocator: `items * size` bytes behind a 16-byte header that remembers the
    // mapping's length for `unmapPages`.
    private static let mapPages: alloc_func = { _, items, size in
        let length = Int(items) * Int(size) + 16
        let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let mapped, mapped != MAP_FAILED else { return nil }
        mapped.storeBytes(of: length, as: Int.self)
        return mapped + 16
    }

    private static let unmapPages: free_func = { _, address in
        guard let address else { return }
        let mapped = address - 16
        munmap(mapped, mapped.load(as: Int.self))
    }
}
